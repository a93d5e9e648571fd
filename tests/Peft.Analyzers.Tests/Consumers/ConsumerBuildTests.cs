namespace Peft.Analyzers.Tests.Consumers;

/// <summary>
/// The analyzers work where users meet them: in <c>dotnet build</c> of a project that references
/// Peft.Runtime and gets the generator and analyzers as analyzers (tests/Consumers/BadRatio).
/// </summary>
public sealed class ConsumerBuildTests
{
    [Fact]
    public async Task Bad_LoRAPlus_ratio_fails_the_build_with_PEFT0001()
    {
        using ConsumerBuild build = await ConsumerBuild.RunAsync("BadRatio");

        Assert.True(build.ExitCode != 0, $"The build should fail; it exited 0.\n{build.Output}");
        Assert.Contains(
            "Classifier.cs(8,25): error PEFT0001: LoRA+ Ratio on 'Hidden' is 0.5: B's learning rate (lr·Ratio) must be at least A's (lr)",
            build.Output,
            StringComparison.Ordinal);

        // No other Peft analyzer rule fires on the otherwise valid model (partial type, Linear layer, rank 8 ≤ 256).
        Assert.DoesNotMatch(@"error PEFT00(0[2-9]|[1-9]\d)", build.Output);

        // The libraries themselves built: the failure is the user's code, not the build setup.
        Assert.True(
            File.Exists(Path.Combine(build.ArtifactsPath, "bin", "Peft.Analyzers", ConsumerBuild.Configuration.ToLowerInvariant(), "Peft.Analyzers.dll")),
            $"The analyzers were not built.\n{build.Output}");
    }
}
