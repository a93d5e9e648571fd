using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.AdapterAlphaAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class AdapterAlphaAnalyzerTests
{
    private static string Model(string attribute) => TestModels.WithAdapter(attribute);

    [Theory]
    [InlineData("LoRA(Alpha = 16)")]
    [InlineData("LoRA(Alpha = 0.001)")]
    [InlineData("LoRA(Alpha = double.Epsilon)")]
    [InlineData("LoRAPlus(Alpha = 1)")]
    [InlineData("LoRA(Alpha = double.MaxValue)")]
    [InlineData("LoRA")]
    // PEFT accepts any α: zero switches the adapter's output off, a negative α flips its sign.
    [InlineData("LoRA(Alpha = 0)")]
    [InlineData("LoRA(Alpha = -0.0)")]
    [InlineData("LoRA(Alpha = -8)")]
    [InlineData("LoRAPlus(Alpha = 0)")]
    public Task Finite_alpha_passes(string attribute) => Verify.VerifyAsync(Model(attribute));

    [Theory]
    [InlineData("LoRA", "double.NaN")]
    [InlineData("LoRA", "double.PositiveInfinity")]
    [InlineData("LoRA", "double.NegativeInfinity")]
    [InlineData("LoRAPlus", "1.0 / 0")]
    public Task Alpha_not_finite_is_an_error(string adapter, string alpha) =>
        Verify.VerifyAsync(Model($"{adapter}({{|PEFT0005:Alpha = {alpha}|}})"));

    [Fact]
    public Task Message_states_the_value() => Verify.VerifyAsync(
        Model("LoRAPlus(Alpha = double.NaN)"),
        Verify.Diagnostic("PEFT0005").WithSpan(5, 15, 5, 33).WithArguments("LoRAPlus", "Hidden", "NaN"));
}
