using Peft.Analyzers.Diagnostics.Analyzers;

namespace Peft.Analyzers.Tests.Analyzers;

/// <summary>
/// <c>[LoHa]</c> and <c>[LoKr]</c> get the rules of their shared descriptions: rank ≥ 1, finite α, rank and module dropout
/// in [0, 1), one adapter per layer; LoKr's <c>DecomposeFactor</c> −1 or a factor of both constant widths, its
/// <c>Init</c> a <c>LoKrInit</c> member. Neither has LoRA's rank bound (PEFT0004): LoHa's ΔW has rank up to r².
/// </summary>
public sealed class LyCORISAnalyzerTests
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
    [InlineData("LoHa")]
    [InlineData("LoHa(Rank = 300, Alpha = 16, RankDropout = 0.1, ModuleDropout = 0.05, InitWeights = false)")]
    [InlineData("LoKr")]
    [InlineData("LoKr(Rank = 4, DecomposeBoth = true, DecomposeFactor = 16, RankDropoutScale = true, Init = LoKrInit.LyCORIS)")]
    public async Task Valid_attributes_pass(string attribute)
    {
        await Verifiers.AnalyzerVerifier<AdapterRankAnalyzer>.VerifyAsync(Model(attribute));
        await Verifiers.AnalyzerVerifier<RankAboveLayerWidthAnalyzer>.VerifyAsync(Model(attribute));
        await Verifiers.AnalyzerVerifier<LoRADropoutAnalyzer>.VerifyAsync(Model(attribute));
        await Verifiers.AnalyzerVerifier<LoKrFactorAnalyzer>.VerifyAsync(Model(attribute));
        await Verifiers.AnalyzerVerifier<UnknownEnumValueAnalyzer>.VerifyAsync(Model(attribute));
    }

    [Theory]
    [InlineData("LoHa")]
    [InlineData("LoKr")]
    public Task Rank_below_one_is_PEFT0003(string method) =>
        Verifiers.AnalyzerVerifier<AdapterRankAnalyzer>.VerifyAsync(Model($"{method}({{|PEFT0003:Rank = 0|}})"));

    [Theory]
    [InlineData("LoHa")]
    [InlineData("LoKr")]
    public Task Non_finite_alpha_is_PEFT0005(string method) =>
        Verifiers.AnalyzerVerifier<AdapterAlphaAnalyzer>.VerifyAsync(Model($"{method}({{|PEFT0005:Alpha = double.PositiveInfinity|}})"));

    [Theory]
    [InlineData("LoHa", "RankDropout = 1.0")]
    [InlineData("LoHa", "ModuleDropout = -0.1")]
    [InlineData("LoKr", "RankDropout = double.NaN")]
    [InlineData("LoKr", "ModuleDropout = 1.5")]
    public Task Dropout_outside_zero_to_one_is_PEFT0006(string method, string argument) =>
        Verifiers.AnalyzerVerifier<LoRADropoutAnalyzer>.VerifyAsync(Model($"{method}({{|PEFT0006:{argument}|}})"));

    [Fact]
    public Task Dropout_message_names_the_method_and_argument() =>
        Verifiers.AnalyzerVerifier<LoRADropoutAnalyzer>.VerifyAsync(
            Model("LoHa(RankDropout = 1)"),
            Verifiers.AnalyzerVerifier<LoRADropoutAnalyzer>.Diagnostic("PEFT0006").WithSpan(5, 11, 5, 26).WithArguments("Hidden", "1", "LoHa", "RankDropout"));

    [Theory]
    [InlineData("DecomposeFactor = 0")]
    [InlineData("DecomposeFactor = -2")]
    [InlineData("DecomposeFactor = 5")]
    [InlineData("DecomposeFactor = 49")]
    public Task Factor_neither_minus_one_nor_dividing_the_widths_is_PEFT0017(string argument) =>
        Verifiers.AnalyzerVerifier<LoKrFactorAnalyzer>.VerifyAsync(Model($"LoKr({{|PEFT0017:{argument}|}})"));

    [Fact]
    public Task A_factor_on_a_shape_unknown_at_compile_time_is_left_to_the_runtime() =>
        Verifiers.AnalyzerVerifier<LoKrFactorAnalyzer>.VerifyAsync("""
            using Peft;

            public sealed partial class Model(int width) : Module
            {
                [LoKr(DecomposeFactor = 5)]
                public Linear<float> Hidden { get; } = new(width, width);
            }
            """);

    [Fact]
    public Task Unknown_init_is_PEFT0018() =>
        Verifiers.AnalyzerVerifier<UnknownEnumValueAnalyzer>.VerifyAsync(Model("LoKr({|PEFT0018:Init = (LoKrInit)7|})"));

    [Fact]
    public Task LoKr_beside_another_adapter_is_PEFT0009() =>
        Verifiers.AnalyzerVerifier<MultipleAdaptersAnalyzer>.VerifyAsync("""
            using Peft;

            public sealed partial class Model : Module
            {
                [LoHa] [{|PEFT0009:LoKr|}]
                public Linear Hidden { get; } = new(784, 256);
            }
            """);
}
