using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.UnsupportedLayerTypeAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class UnsupportedLayerTypeAnalyzerTests
{
    private static string Model(string member) => $$"""
        using Peft;

        public sealed class Wider : Linear<float>
        {
            public Wider() : base(4, 4) { }
        }

        public sealed partial class Model : Module
        {
            {{member}}
        }
        """;

    [Theory]
    [InlineData("[LoRA] public Linear Hidden { get; } = new(4, 4);")]
    [InlineData("[LoRAPlus] public Linear<float> Hidden { get; } = new(4, 4);")]
    [InlineData("[MoRA] public Linear<double> Hidden { get; } = new(4, 4);")]
    [InlineData("[LoRA] public readonly Linear Hidden = new(4, 4);")]
    [InlineData("[LoRA] public Linear? Hidden { get; set; }")]
    public Task Linear_layers_pass(string member) => Verify.VerifyAsync(Model(member));

    [Theory]
    [InlineData("[{|PEFT0010:LoRA|}] public int Hidden { get; }")]
    [InlineData("[{|PEFT0010:LoRAPlus|}] public Module? Hidden { get; }")]
    [InlineData("[{|PEFT0010:MoRA|}] public readonly object? Hidden;")]
    [InlineData("[{|PEFT0010:LoRA|}] public Wider Hidden { get; } = new();")]
    [InlineData("[{|PEFT0010:LoRA|}] public Linear[] Hidden { get; } = [];")]
    public Task Other_member_types_are_errors(string member) => Verify.VerifyAsync(Model(member));

    [Fact]
    public Task Message_names_the_type() => Verify.VerifyAsync(
        Model("[LoRA] public int Hidden { get; }"),
        Verify.Diagnostic("PEFT0010").WithSpan(10, 6, 10, 10).WithArguments("LoRA", "Hidden", "int"));
}
