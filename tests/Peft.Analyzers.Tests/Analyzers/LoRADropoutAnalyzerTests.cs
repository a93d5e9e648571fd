using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.LoRADropoutAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class LoRADropoutAnalyzerTests
{
    private static string Model(string dropout) => TestModels.WithAdapter($"LoRA(Rank = 8, {dropout})");

    [Theory]
    [InlineData("0")]
    [InlineData("0.1")]
    [InlineData("0.999")]
    [InlineData("0.99999999")]
    public Task Dropout_in_zero_to_one_passes(string dropout) => Verify.VerifyAsync(Model($"Dropout = {dropout}"));

    [Theory]
    [InlineData("1")]
    [InlineData("1.0")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("-double.Epsilon")]
    [InlineData("double.NaN")]
    [InlineData("double.PositiveInfinity")]
    [InlineData("double.NegativeInfinity")]
    public Task Dropout_outside_zero_to_one_is_an_error(string dropout) =>
        Verify.VerifyAsync(Model($"{{|PEFT0006:Dropout = {dropout}|}}"));

    [Fact]
    public Task Message_states_the_value() => Verify.VerifyAsync(
        Model("Dropout = 1"),
        Verify.Diagnostic("PEFT0006").WithSpan(5, 21, 5, 32).WithArguments("Hidden", "1", "LoRA", "Dropout"));
}
