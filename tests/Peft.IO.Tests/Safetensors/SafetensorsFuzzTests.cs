namespace Peft.IO.Tests.Safetensors;

/// <summary>
/// Mutates valid files and checks that the reader either accepts the result (and can then read every
/// tensor) or rejects it with an <see cref="InvalidDataException"/> — never another exception.
/// The fast run has 10,000 cases; set PEFT_FUZZ_CASES (for example 1000000) for a longer run.
/// </summary>
public sealed class SafetensorsFuzzTests
{
    [Fact]
    public void MutatedFilesNeverCrashTheReader()
    {
        int cases = int.TryParse(Environment.GetEnvironmentVariable("PEFT_FUZZ_CASES"), out int requested) && requested > 0 ? requested : 10_000;
        var result = SafetensorsFuzzer.Run(cases, seed: 20240601);
        Assert.Equal(cases, result.Accepted + result.Rejected);
        // Both outcomes must occur, or the mutations are not exercising the validator.
        Assert.True(result.Accepted > cases / 100, $"only {result.Accepted} mutated files were accepted");
        Assert.True(result.Rejected > cases / 2, $"only {result.Rejected} mutated files were rejected");
    }
}
