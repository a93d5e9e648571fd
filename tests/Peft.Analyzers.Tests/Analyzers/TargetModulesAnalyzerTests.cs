using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.TargetModulesAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

/// <summary>
/// PEFT0040–PEFT0042 on class-level attributes of a class deriving from the library's LlamaForCausalLM, whose module
/// names the analyzer reads from its [ModuleName] properties (q_proj … lm_head, through the decoder-layer list).
/// </summary>
public sealed class TargetModulesAnalyzerTests
{
    private static string Model(string attributes, string modifiers = "public partial") => $$"""
        using Peft;
        using Peft.Models;

        {{attributes}}
        {{modifiers}} class ChatTuning : LlamaForCausalLM
        {
            public ChatTuning(LlamaConfig config) : base(config) { }
        }
        """;

    [Theory]
    [InlineData("[LoRA(Rank = 8, Alpha = 16, TargetModules = [\"q_proj\", \"v_proj\"])]")]
    [InlineData("[LoRAPlus(TargetModules = [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"up_proj\", \"down_proj\", \"lm_head\"])]")]
    [InlineData("[MoRA(TargetModules = new[] { \"self_attn.q_proj\", \"layers.0.mlp.down_proj\", \"model.layers.1.self_attn.v_proj\" })]")]
    [InlineData("[LoRA(TargetModules = [\"q_proj\", \"self_attn.q_proj\"])]")]
    [InlineData("[LoRA(TargetModules = [\"q_proj\", \"v_proj\"])] [LoRAPlus(TargetModules = [\"gate_proj\"])] [MoRA(TargetModules = [\"down_proj\"])] [DoRA(TargetModules = [\"o_proj\"])]")]
    [InlineData("[LoRA(TargetModules = [\"layers.0.self_attn.q_proj\"])] [MoRA(TargetModules = [\"layers.1.self_attn.q_proj\"])]")]
    public Task Targets_that_match_linear_layers_once_pass(string attributes) => Verify.VerifyAsync(Model(attributes));

    [Fact]
    public Task A_misspelt_target_names_the_nearest_linear() => Verify.VerifyAsync(
        Model("[LoRA(Rank = 8, Alpha = 16, TargetModules = [{|#0:\"q_prj\"|}, \"v_proj\"])]"),
        Verify.Diagnostic("PEFT0040").WithLocation(0).WithArguments("q_prj", "LlamaForCausalLM", " — did you mean 'q_proj'?"));

    [Fact]
    public Task Equally_near_names_are_all_suggested() => Verify.VerifyAsync(
        Model("[LoRA(TargetModules = [{|#0:\"x_proj\"|}])]"),
        Verify.Diagnostic("PEFT0040").WithLocation(0).WithArguments("x_proj", "LlamaForCausalLM", " — did you mean 'k_proj' or 'o_proj' or 'q_proj'?"));

    [Fact]
    public Task A_dotted_target_is_compared_with_dotted_suffixes() => Verify.VerifyAsync(
        Model("[LoRA(TargetModules = [{|#0:\"self_atn.q_proj\"|}])]"),
        Verify.Diagnostic("PEFT0040").WithLocation(0).WithArguments("self_atn.q_proj", "LlamaForCausalLM", " — did you mean 'self_attn.q_proj'?"));

    [Fact]
    public Task A_target_naming_another_kind_of_module_says_so() => Verify.VerifyAsync(
        Model("[LoRA(TargetModules = [{|#0:\"mlp\"|}])]"),
        Verify.Diagnostic("PEFT0040").WithLocation(0).WithArguments("mlp", "LlamaForCausalLM",
            " — it names LlamaMLP modules (model.layers.{i}.mlp); adapters attach to Linear layers only"));

    [Fact]
    public Task A_target_far_from_every_name_lists_the_linear_names() => Verify.VerifyAsync(
        Model("[LoRA(TargetModules = [{|#0:\"attention\"|}])]"),
        Verify.Diagnostic("PEFT0040").WithLocation(0).WithArguments("attention", "LlamaForCausalLM",
            " (its Linear modules: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head)"));

    [Theory]
    [InlineData("layers.x.self_attn.q_proj")]
    [InlineData("layers.01.self_attn.q_proj")]
    [InlineData("proj")]
    [InlineData("ChatTuning.q_proj")]
    public Task Matching_is_at_dot_boundaries_with_list_indices_as_python_writes_them(string target) => Verify.VerifyAsync(
        Model($"[LoRA(TargetModules = [{{|PEFT0040:\"{target}\"|}}])]"));

    [Fact]
    public Task A_layer_claimed_by_two_attributes_is_an_error_naming_both() => Verify.VerifyAsync(
        Model("[LoRA(TargetModules = [\"q_proj\", \"v_proj\"])]\n[MoRA(TargetModules = [\"down_proj\", {|#0:\"self_attn.q_proj\"|}])]"),
        Verify.Diagnostic("PEFT0041").WithLocation(0).WithArguments("self_attn.q_proj", "MoRA", "model.layers.{i}.self_attn.q_proj", "LoRA", "q_proj"));

    [Fact]
    public Task Two_attributes_of_one_method_may_not_overlap_either() => Verify.VerifyAsync(
        Model("[LoRA(Rank = 4, TargetModules = [\"up_proj\"])]\n[LoRA(Rank = 8, TargetModules = [{|PEFT0041:\"mlp.up_proj\"|}])]"));

    [Fact]
    public Task An_attribute_without_targets_is_reported() => Verify.VerifyAsync(
        Model("[{|#0:LoRA(Rank = 8)|}]"),
        Verify.Diagnostic("PEFT0042").WithLocation(0).WithArguments("LoRA", "ChatTuning",
            "it has no TargetModules (name the Linear modules to adapt, as PEFT's target_modules)"));

    [Theory]
    [InlineData("[LoRA({|PEFT0042:TargetModules = []|})]")]
    [InlineData("[LoRA({|PEFT0042:TargetModules = [\"q_proj\", \"\"]|})]")]
    [InlineData("[LoRA({|PEFT0042:TargetModules = null|})]")]
    public Task Empty_lists_and_names_are_reported(string attributes) => Verify.VerifyAsync(Model(attributes));

    [Fact]
    public Task A_class_that_is_not_partial_is_reported() => Verify.VerifyAsync(
        Model("[{|#0:LoRA(TargetModules = [\"q_proj\"])|}]", "public"),
        Verify.Diagnostic("PEFT0042").WithLocation(0).WithArguments("LoRA", "ChatTuning", "'ChatTuning' must be partial: the generator adds AttachAdapters to it"));

    [Fact]
    public Task A_class_that_is_not_a_module_is_reported() => Verify.VerifyAsync(
        """
        using Peft;

        [{|PEFT0042:LoRA(TargetModules = ["q_proj"])|}]
        public partial class NotAModel
        {
        }
        """);

    [Fact]
    public Task Member_and_class_attributes_on_one_class_are_reported() => Verify.VerifyAsync(
        """
        using Peft;
        using Peft.Models;

        [{|PEFT0042:LoRA(TargetModules = ["q_proj"])|}]
        public partial class ChatTuning : LlamaForCausalLM
        {
            public ChatTuning(LlamaConfig config) : base(config) { }

            [LoRA]
            public Linear Extra { get; } = new(4, 4);
        }
        """);

    [Fact]
    public Task Target_modules_on_a_member_is_reported() => Verify.VerifyAsync(
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRA(Rank = 4, {|#0:TargetModules = ["Hidden"]|})]
            public Linear Hidden { get; } = new(784, 256);
        }
        """,
        Verify.Diagnostic("PEFT0042").WithLocation(0).WithArguments("LoRA", "Hidden",
            "TargetModules belongs on a class-level attribute; on a field or property the member itself is the target"));
}
