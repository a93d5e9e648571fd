using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.UnknownEnumValueAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class UnknownEnumValueAnalyzerTests
{
    private static string Model(string attribute) => TestModels.WithAdapter(attribute);

    [Theory]
    [InlineData("MoRA(Type = MoRAType.Sharing)")]
    [InlineData("MoRA(Type = MoRAType.RoPE)")]
    [InlineData("MoRA(Type = (MoRAType)6)")]
    [InlineData("MoRA(Type = MoRAType.Grouped)")]
    [InlineData("MoRA")]
    [InlineData("LoRA(Init = LoRAInit.Gaussian)")]
    [InlineData("LoRA(Init = (LoRAInit)0)")]
    public Task Named_values_pass(string attribute) => Verify.VerifyAsync(Model(attribute));

    [Theory]
    [InlineData("MoRA({|PEFT0007:Type = (MoRAType)5|})")]
    [InlineData("MoRA({|PEFT0007:Type = 0|})")]
    [InlineData("MoRA({|PEFT0007:Type = (MoRAType)(-1)|})")]
    [InlineData("LoRA({|PEFT0008:Init = (LoRAInit)2|})")]
    public Task Unnamed_values_are_errors(string attribute) => Verify.VerifyAsync(Model(attribute));

    [Fact]
    public Task Message_lists_the_known_types() => Verify.VerifyAsync(
        Model("MoRA(Type = (MoRAType)5)"),
        Verify.Diagnostic("PEFT0007").WithSpan(5, 11, 5, 29)
            .WithArguments("Hidden", 5, "MoRAType.Sharing (1), MoRAType.Grouped (2), MoRAType.GroupedCompression (3), MoRAType.GroupedDecompression (4), MoRAType.RoPE (6)"));
}
