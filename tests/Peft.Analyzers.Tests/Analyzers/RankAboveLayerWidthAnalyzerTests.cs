using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.RankAboveLayerWidthAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class RankAboveLayerWidthAnalyzerTests
{
    private static string Model(string attribute, string initializer) => $$"""
        using Peft;

        public sealed partial class Model : Module
        {
            private const int In = 784;
            private static readonly int Runtime = 3;

            [{{attribute}}]
            public Linear<float> Hidden { get; } = {{initializer}};
        }
        """;

    [Theory]
    [InlineData("LoRA(Rank = 256)", "new(784, 256)")]
    [InlineData("LoRAPlus(Rank = 256)", "new Linear(784, 256)")]
    [InlineData("LoRA(Rank = 4)", "new(4, 300)")]
    [InlineData("LoRA", "new(8, 8)")]
    public Task Rank_up_to_min_in_out_passes(string attribute, string initializer) =>
        Verify.VerifyAsync(Model(attribute, initializer));

    [Theory]
    [InlineData("LoRA({|PEFT0004:Rank = 257|})", "new(784, 256)")]
    [InlineData("LoRAPlus({|PEFT0004:Rank = 257|})", "new Linear(784, 256)")]
    [InlineData("LoRA({|PEFT0004:Rank = 5|})", "new(4, 300)")]
    [InlineData("LoRA({|PEFT0004:Rank = 5|})", "new(300, 4)")]
    [InlineData("LoRA({|PEFT0004:Rank = 785|})", "new(In, 1000)")]
    [InlineData("LoRA({|PEFT0004:Rank = 5|})", "new(outFeatures: 4, inFeatures: 300)")]
    [InlineData("LoRA({|PEFT0004:Rank = 5|})", "new(2 * 2, 300, bias: false)")]
    [InlineData("{|PEFT0004:LoRA|}", "new(4, 2)")]
    public Task Rank_above_min_in_out_of_a_constant_shape_is_an_error(string attribute, string initializer) =>
        Verify.VerifyAsync(Model(attribute, initializer));

    [Theory]
    [InlineData("LoRA(Rank = 500)", "new(Runtime, 4)")]
    [InlineData("MoRA(Rank = 500)", "new(4, 4)")]
    [InlineData("LoRA(Rank = 0)", "new(4, 4)")]
    public Task Shapes_not_known_at_compile_time_and_MoRA_are_not_checked(string attribute, string initializer) =>
        Verify.VerifyAsync(Model(attribute, initializer));

    [Fact]
    public Task Fields_and_generic_layers_are_checked() => Verify.VerifyAsync("""
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRA({|PEFT0004:Rank = 17|})]
            public readonly Linear<double> Head = new(16, 32);
        }
        """);

    [Fact]
    public Task Message_states_rank_and_shape() => Verify.VerifyAsync(
        Model("LoRA(Rank = 5)", "new(300, 4)"),
        Verify.Diagnostic("PEFT0004").WithSpan(8, 11, 8, 19).WithArguments("LoRA", "Hidden", 5, 4, 300, 4));

    [Fact]
    public Task Layers_assigned_in_a_constructor_are_not_checked() => Verify.VerifyAsync("""
        using Peft;

        public sealed partial class Model : Module
        {
            public Model() => Hidden = new(4, 2);

            [LoRA(Rank = 64)]
            public Linear Hidden { get; }
        }
        """);
}
