using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.AdapterRankAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class AdapterRankAnalyzerTests
{
    private static string Model(string attribute) => TestModels.WithAdapter(attribute);

    [Theory]
    [InlineData("LoRA")]
    [InlineData("LoRAPlus")]
    [InlineData("MoRA")]
    public Task Rank_one_passes(string adapter) => Verify.VerifyAsync(Model($"{adapter}(Rank = 1)"));

    [Theory]
    [InlineData("LoRA")]
    [InlineData("LoRAPlus")]
    [InlineData("MoRA")]
    public Task Unset_rank_is_the_default_and_passes(string adapter) => Verify.VerifyAsync(Model(adapter));

    [Theory]
    [InlineData("LoRA", "0")]
    [InlineData("LoRAPlus", "0")]
    [InlineData("MoRA", "0")]
    [InlineData("LoRA", "-1")]
    [InlineData("MoRA", "int.MinValue")]
    public Task Rank_below_one_is_an_error(string adapter, string rank) =>
        Verify.VerifyAsync(Model($"{adapter}({{|PEFT0003:Rank = {rank}|}})"));

    [Fact]
    public Task Message_names_the_adapter_member_and_rank() => Verify.VerifyAsync(
        Model("MoRA(Rank = 0)"),
        Verify.Diagnostic("PEFT0003").WithSpan(5, 11, 5, 19).WithArguments("MoRA", "Hidden", 0));
}
