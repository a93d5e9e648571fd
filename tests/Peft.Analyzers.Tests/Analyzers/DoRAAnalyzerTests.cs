using Peft.Analyzers.Diagnostics.Analyzers;

namespace Peft.Analyzers.Tests.Analyzers;

/// <summary>
/// <c>[DoRA]</c> gets every rule of its shared description without an analyzer of its own: LoRA's arguments (rank,
/// finite α, dropout in [0, 1), a LoRAInit member), the rank bound of B·A on a constant shape, one adapter per layer.
/// </summary>
public sealed class DoRAAnalyzerTests
{
    private static string Model(string attribute, string initializer = "new(784, 256)") => $$"""
        using Peft;

        public sealed partial class Model : Module
        {
            [{{attribute}}]
            public Linear<float> Hidden { get; } = {{initializer}};
        }
        """;

    [Theory]
    [InlineData("DoRA")]
    [InlineData("DoRA(Rank = 16, Alpha = 32, UseRsLoRA = true, Dropout = 0.05, Init = LoRAInit.Gaussian)")]
    public Task Valid_DoRA_passes(string attribute) =>
        Verifiers.AnalyzerVerifier<AdapterRankAnalyzer>.VerifyAsync(Model(attribute));

    [Fact]
    public Task Rank_below_one_is_PEFT0003() =>
        Verifiers.AnalyzerVerifier<AdapterRankAnalyzer>.VerifyAsync(Model("DoRA({|PEFT0003:Rank = 0|})"));

    [Fact]
    public Task Rank_above_min_in_out_is_PEFT0004() =>
        Verifiers.AnalyzerVerifier<RankAboveLayerWidthAnalyzer>.VerifyAsync(Model("DoRA({|PEFT0004:Rank = 257|})"));

    [Fact]
    public Task Non_finite_alpha_is_PEFT0005() =>
        Verifiers.AnalyzerVerifier<AdapterAlphaAnalyzer>.VerifyAsync(Model("DoRA({|PEFT0005:Alpha = double.NaN|})"));

    [Fact]
    public Task Dropout_of_one_is_PEFT0006() =>
        Verifiers.AnalyzerVerifier<LoRADropoutAnalyzer>.VerifyAsync(Model("DoRA({|PEFT0006:Dropout = 1.0|})"));

    [Fact]
    public Task Unknown_init_is_PEFT0008() =>
        Verifiers.AnalyzerVerifier<UnknownEnumValueAnalyzer>.VerifyAsync(Model("DoRA({|PEFT0008:Init = (LoRAInit)7|})"));

    [Fact]
    public Task DoRA_beside_another_adapter_is_PEFT0009() =>
        Verifiers.AnalyzerVerifier<MultipleAdaptersAnalyzer>.VerifyAsync("""
            using Peft;

            public sealed partial class Model : Module
            {
                [LoRA] [{|PEFT0009:DoRA|}]
                public Linear Hidden { get; } = new(784, 256);
            }
            """);
}
