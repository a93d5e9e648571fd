using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.VeRAProjectionsAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class VeRAProjectionsAnalyzerTests
{
    private static string Model(string first, string second) => $$"""
        using Peft;

        public sealed partial class Model : Module
        {
            {{first}}
            public Linear Hidden { get; } = new(784, 256);

            {{second}}
            public Linear Output { get; } = new(256, 10);
        }
        """;

    [Theory]
    [InlineData("[VeRA]", "[VeRA]")]
    [InlineData("[VeRA(Rank = 16, ProjectionPrngKey = 3)]", "[VeRA(Rank = 16, ProjectionPrngKey = 3, DInitial = 0.5)]")]
    [InlineData("[VeRA(Rank = 256)]", "[VeRA]")]
    [InlineData("[VeRA(Rank = 16)]", "[LoRA(Rank = 4)]")]
    public Task One_rank_and_key_pass(string first, string second) => Verify.VerifyAsync(Model(first, second));

    [Theory]
    [InlineData("[VeRA(Rank = 16)]", "[VeRA({|PEFT0022:Rank = 8|})]")]
    [InlineData("[VeRA]", "[VeRA({|PEFT0022:ProjectionPrngKey = 1|})]")]
    [InlineData("[VeRA(Rank = 16, ProjectionPrngKey = 2)]", "[VeRA({|PEFT0022:Rank = 4|}, {|PEFT0022:ProjectionPrngKey = 1|})]")]
    public Task A_second_VeRA_layer_with_another_rank_or_key_is_an_error(string first, string second) => Verify.VerifyAsync(Model(first, second));

    [Fact]
    public Task Message_names_both_layers_and_values() => Verify.VerifyAsync(
        Model("[VeRA(Rank = 16)]", "[VeRA(Rank = 8)]"),
        Verify.Diagnostic("PEFT0022").WithSpan(8, 11, 8, 19).WithArguments("Output", "Rank", 8, "Hidden", 16));
}
