using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.MultipleAdaptersAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class MultipleAdaptersAnalyzerTests
{
    private static string Model(string attributes) => $$"""
        using System;
        using Peft;

        public sealed partial class Model : Module
        {
            {{attributes}}
            public Linear Hidden { get; } = new(784, 256);
        }
        """;

    [Theory]
    [InlineData("[LoRA]")]
    [InlineData("[MoRA(Rank = 4)]")]
    [InlineData("[Obsolete, LoRAPlus]")]
    [InlineData("[LoRA] [Obsolete]")]
    public Task One_adapter_passes(string attributes) => Verify.VerifyAsync(Model(attributes));

    [Theory]
    [InlineData("[LoRA] [{|PEFT0009:MoRA|}]")]
    [InlineData("[LoRA, {|PEFT0009:LoRAPlus(Ratio = 16)|}]")]
    [InlineData("[MoRA] [Obsolete] [{|PEFT0009:LoRA|}]")]
    [InlineData("[LoRAPlus] [{|PEFT0009:LoRA|}] [{|PEFT0009:MoRA|}]")]
    public Task Every_adapter_after_the_first_is_an_error(string attributes) => Verify.VerifyAsync(Model(attributes));

    [Fact]
    public Task Message_names_both_adapters() => Verify.VerifyAsync(
        Model("[LoRA] [MoRA]"),
        Verify.Diagnostic("PEFT0009").WithSpan(6, 13, 6, 17).WithArguments("Hidden", "LoRA", "MoRA"));
}
