using Microsoft.CodeAnalysis;
using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.LoRAPlusRatioAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class LoRAPlusRatioAnalyzerTests
{
    private static string Model(string ratioArgument) => TestModels.WithAdapter($"LoRAPlus(Rank = 8, {ratioArgument})");

    [Theory]
    [InlineData("1.0")]
    [InlineData("1")]
    [InlineData("16")]
    [InlineData("64")]
    [InlineData("64.0")]
    [InlineData("1.0000001")]
    public Task Ratio_from_one_to_sixty_four_passes(string ratio) => Verify.VerifyAsync(Model($"Ratio = {ratio}"));

    [Fact]
    public Task Unset_ratio_is_the_default_and_passes() => Verify.VerifyAsync("""
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus(Rank = 8)]
            public Linear Hidden { get; } = new(784, 256);
        }
        """);

    [Theory]
    [InlineData("0.999")]
    [InlineData("0.5")]
    [InlineData("0")]
    [InlineData("-16")]
    [InlineData("double.NaN")]
    [InlineData("double.PositiveInfinity")]
    [InlineData("double.NegativeInfinity")]
    [InlineData("1.0 / 0")]
    [InlineData("0.0 / 0")]
    [InlineData("double.Epsilon")]
    public Task Ratio_below_one_or_not_finite_is_an_error(string ratio) =>
        Verify.VerifyAsync(Model($"{{|PEFT0001:Ratio = {ratio}|}}"));

    [Theory]
    [InlineData("64.0001")]
    [InlineData("65")]
    [InlineData("double.MaxValue")]
    public Task Ratio_above_sixty_four_is_a_warning(string ratio) =>
        Verify.VerifyAsync(Model($"{{|PEFT0002:Ratio = {ratio}|}}"));

    [Fact]
    public Task Error_message_states_the_value_and_the_learning_rate_rule() => Verify.VerifyAsync(
        Model("Ratio = 0.5"),
        Verify.Diagnostic("PEFT0001")
            .WithSpan(5, 25, 5, 36)
            .WithSeverity(DiagnosticSeverity.Error)
            .WithMessage("LoRA+ Ratio on 'Hidden' is 0.5: B's learning rate (lr·Ratio) must be at least A's (lr), so Ratio must be a finite value ≥ 1.0 (16 is the paper's default)"));

    [Fact]
    public Task Message_shows_nan_and_infinity_as_written_values() => Verify.VerifyAsync(
        Model("Ratio = double.PositiveInfinity"),
        Verify.Diagnostic("PEFT0001").WithSpan(5, 25, 5, 56).WithArguments("Hidden", "Infinity"));

    [Fact]
    public Task Fields_are_checked_like_properties() => Verify.VerifyAsync("""
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus({|PEFT0001:Ratio = 0.5|})]
            public readonly Linear Hidden = new(784, 256);
        }
        """);

    [Fact]
    public Task Code_without_adapters_is_not_analyzed() => Verify.VerifyAsync("""
        public sealed class Plain
        {
            public double Ratio { get; set; } = 0.5;
        }
        """);
}
