using Peft.Analyzers.Diagnostics.Analyzers;

namespace Peft.Analyzers.Tests.Analyzers;

/// <summary>
/// <c>[AdaLoRA]</c>'s rules from its shared description: the target rank below the initial rank (PEFT0020), a schedule
/// with a budgeting phase (PEFT0021, unwritten arguments at their defaults), betas in (0, 1) and a weight ≥ 0 (PEFT0022);
/// and the rules it shares with LoRA (rank, α, dropout, the rank bound on a constant shape).
/// </summary>
public sealed class AdaLoRAAnalyzerTests
{
    private static string Model(string attribute) => $$"""
        using Peft;

        public sealed partial class Model : Module
        {
            [{{attribute}}]
            public Linear<float> Hidden { get; } = new(784, 256);
        }
        """;

    [Theory]
    [InlineData("AdaLoRA(TotalSteps = 1000)")]
    [InlineData("AdaLoRA(Rank = 12, TargetRank = 0, Tinit = 100, Tfinal = 899, TotalSteps = 1000, DeltaT = 10, Beta1 = 0.5, Beta2 = 0.99, OrthRegWeight = 0)")]
    public Task Valid_AdaLoRA_passes(string attribute) =>
        Verifiers.AnalyzerVerifier<AdapterRuleAnalyzer>.VerifyAsync(Model(attribute));

    [Theory]
    [InlineData("AdaLoRA(Rank = 8, {|PEFT0020:TargetRank = 8|}, TotalSteps = 10)")]
    [InlineData("AdaLoRA({|PEFT0020:TargetRank = -1|}, TotalSteps = 10)")]
    [InlineData("AdaLoRA(Tinit = 5, Tfinal = 5, {|PEFT0021:TotalSteps = 10|})")]
    [InlineData("AdaLoRA({|PEFT0021:DeltaT = 0|}, TotalSteps = 10)")]
    [InlineData("AdaLoRA({|PEFT0022:Beta1 = 1.0|}, TotalSteps = 10)")]
    [InlineData("AdaLoRA({|PEFT0022:Beta2 = double.NaN|}, TotalSteps = 10)")]
    [InlineData("AdaLoRA({|PEFT0022:OrthRegWeight = -0.5|}, TotalSteps = 10)")]
    public Task Invalid_values_are_reported_on_their_argument(string attribute) =>
        Verifiers.AnalyzerVerifier<AdapterRuleAnalyzer>.VerifyAsync(Model(attribute));

    [Fact]
    public Task A_missing_TotalSteps_is_PEFT0021_on_the_attribute() =>
        Verifiers.AnalyzerVerifier<AdapterRuleAnalyzer>.VerifyAsync("""
            using Peft;

            public sealed partial class Model : Module
            {
                [{|PEFT0021:AdaLoRA(Rank = 4, TargetRank = 2)|}]
                public Linear<float> Hidden { get; } = new(784, 256);
            }
            """);

    [Fact]
    public Task Rank_above_min_in_out_is_PEFT0004() =>
        Verifiers.AnalyzerVerifier<RankAboveLayerWidthAnalyzer>.VerifyAsync(Model("AdaLoRA({|PEFT0004:Rank = 257|}, TotalSteps = 10)"));

    [Fact]
    public Task Dropout_of_one_is_PEFT0006() =>
        Verifiers.AnalyzerVerifier<LoRADropoutAnalyzer>.VerifyAsync(Model("AdaLoRA({|PEFT0006:Dropout = 1.0|}, TotalSteps = 10)"));
}
