using Verify = Peft.Analyzers.Tests.Verifiers.CodeFixVerifier<
    Peft.Analyzers.Diagnostics.Analyzers.TargetModulesAnalyzer,
    Peft.Analyzers.CodeFixes.TargetModuleCodeFixProvider>;

namespace Peft.Analyzers.Tests.CodeFixes;

public sealed class TargetModuleCodeFixProviderTests
{
    private static string Model(string targets) => $$"""
        using Peft;
        using Peft.Models;

        [LoRA(Rank = 8, Alpha = 16, TargetModules = [{{targets}}])]
        public partial class ChatTuning : LlamaForCausalLM
        {
            public ChatTuning(LlamaConfig config) : base(config) { }
        }
        """;

    [Fact]
    public Task Replaces_a_misspelt_target_with_the_suggestion() => Verify.VerifyAsync(
        Model("{|PEFT0040:\"q_prj\"|}, \"v_proj\""),
        Model("\"q_proj\", \"v_proj\""));

    [Fact]
    public Task Fix_all_replaces_every_misspelt_target() => Verify.VerifyAsync(
        Model("{|PEFT0040:\"q_prj\"|}, {|PEFT0040:\"vproj\"|}, {|PEFT0040:\"self_attn.o_prj\"|}"),
        Model("\"q_proj\", \"v_proj\", \"self_attn.o_proj\""));

    [Fact]
    public Task Offers_nothing_without_a_suggestion() => Verify.VerifyAsync(
        Model("{|PEFT0040:\"mlp\"|}"),
        Model("{|PEFT0040:\"mlp\"|}"));
}
