using Microsoft.CodeAnalysis;
using Peft.Generators.Tests.Infrastructure;
using Peft.Generators.Tests.Models;

namespace Peft.Generators.Tests;

/// <summary>
/// Class-level attributes with <c>TargetModules</c> on a library model: what the generator resolves and writes, what it
/// leaves out (the analyzers' PEFT0040–PEFT0042 report those), and that it never throws.
/// </summary>
public sealed class TargetModulesTests
{
    private const string TargetsFile = "Demo.ChatTuning.Targets.g.cs";

    private static string Model(string attributes, string body = "", string modifiers = "public partial") => $$"""
        using Peft;
        using Peft.Models;

        namespace Demo;

        {{attributes}}
        {{modifiers}} class ChatTuning : LlamaForCausalLM
        {
            {{body}}
        }
        """;

    private static (GeneratorDriverRunResult Result, Compilation Output) Run(string source)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Null(result.Results.Single().Exception);
        Assert.Empty(result.Diagnostics);
        return (result, output);
    }

    private static string? TargetsText(GeneratorDriverRunResult result) =>
        result.GeneratedTrees.SingleOrDefault(tree => Path.GetFileName(tree.FilePath) == TargetsFile)?.GetText().ToString();

    [Theory]
    [InlineData("[LoRA(TargetModules = [\"q_prj\"])]")]
    [InlineData("[LoRA(TargetModules = [\"mlp\"])]")]
    [InlineData("[LoRA(TargetModules = [\"layers.x.self_attn.q_proj\"])]")]
    [InlineData("[LoRA(TargetModules = [\"q_proj\", \"\"])]")]
    [InlineData("[LoRA(TargetModules = [])]")]
    [InlineData("[LoRA(Rank = 8)]")]
    [InlineData("[LoRA(Rank = 0, TargetModules = [\"q_proj\"])]")]
    [InlineData("[LoRAPlus(Ratio = 0.5, TargetModules = [\"q_proj\"])]")]
    public void An_attribute_the_analyzers_reject_gets_no_output(string attributes)
    {
        var (result, _) = Run(Model(attributes, "public ChatTuning(LlamaConfig config) : base(config) { }"));
        Assert.Null(TargetsText(result));
    }

    [Fact]
    public void A_class_that_is_not_partial_gets_no_output()
    {
        var (result, _) = Run(Model("[LoRA(TargetModules = [\"q_proj\"])]", "public ChatTuning(LlamaConfig config) : base(config) { }", "public"));
        Assert.Null(TargetsText(result));
    }

    [Fact]
    public void A_class_with_member_attributes_too_gets_no_class_level_output()
    {
        var (result, _) = Run(Model("[LoRA(TargetModules = [\"q_proj\"])]",
            "public ChatTuning(LlamaConfig config) : base(config) { }\n    [LoRA] public Linear Extra { get; } = new(4, 4);"));
        Assert.Null(TargetsText(result));
    }

    [Fact]
    public void A_layer_claimed_twice_stays_with_the_first_attribute()
    {
        var (result, output) = Run(Model("[LoRA(TargetModules = [\"q_proj\", \"v_proj\"])]\n[MoRA(TargetModules = [\"self_attn.q_proj\"])]"));
        string text = TargetsText(result)!;
        Assert.Contains("file sealed class QProjVProjKernel", text, StringComparison.Ordinal);
        Assert.DoesNotContain("IMoRAKernel", text, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }

    [Fact]
    public void Dotted_and_indexed_targets_resolve_through_the_module_list()
    {
        var (result, output) = Run(Model("[LoRA(Rank = 2, TargetModules = [\"layers.1.self_attn.q_proj\", \"mlp.up_proj\", \"lm_head\"])]"));
        string text = TargetsText(result)!;
        Assert.Contains("(<c>model.layers.{i}.self_attn.q_proj</c>, <c>model.layers.{i}.mlp.up_proj</c>, <c>lm_head</c>): LoRA, r = 2", text, StringComparison.Ordinal);
        Assert.Contains("TargetModules = [\"layers.1.self_attn.q_proj\", \"mlp.up_proj\", \"lm_head\"],", text, StringComparison.Ordinal);
        Assert.Contains("file sealed class Layers1SelfAttnQProjMlpUpProjLmHeadKernel", text, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }

    [Fact]
    public void Several_attributes_of_one_method_get_one_kernel_each()
    {
        var (result, output) = Run(Model("[LoRA(Rank = 4, TargetModules = [\"q_proj\"])]\n[LoRA(Rank = 2, Alpha = 4, TargetModules = [\"v_proj\"])]"));
        string text = TargetsText(result)!;
        Assert.Contains("file sealed class QProjKernel", text, StringComparison.Ordinal);
        Assert.Contains("file sealed class VProjKernel", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("TargetModules = [\"q_proj\"]", StringComparison.Ordinal) < text.IndexOf("TargetModules = [\"v_proj\"]", StringComparison.Ordinal),
            "attributes attach in declaration order");
        string loops = result.GeneratedTrees.Single(tree => Path.GetFileName(tree.FilePath) == GeneratorHarness.LowRankLoopsFile).GetText().ToString();
        Assert.Contains("Rank2SingleLoops", loops, StringComparison.Ordinal);
        Assert.Contains("Rank4SingleLoops", loops, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }

    [Fact]
    public void A_grouped_MoRA_type_attaches_with_the_runtime_kernel()
    {
        var (result, output) = Run(Model("[MoRA(Rank = 4, Type = MoRAType.Grouped, TargetModules = [\"down_proj\"])]"));
        string text = TargetsText(result)!;
        Assert.Contains("static global::Peft.Generated.IMoRAKernel<float>? (layer) => null));", text, StringComparison.Ordinal);
        Assert.DoesNotContain("file sealed class", text, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }

    [Fact]
    public void A_class_with_its_own_constructor_gets_none_generated()
    {
        var (result, output) = Run(Model("[LoRA(TargetModules = [\"q_proj\"])]", "public ChatTuning(LlamaConfig config) : base(config, seed: 7) { }"));
        Assert.DoesNotContain(": base(", TargetsText(result)!, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }

    [Fact]
    public void Class_and_member_models_compile_side_by_side()
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.ChatTuning, SnapshotModels.Classifier));
        Assert.Empty(result.Diagnostics);
        Assert.Contains(result.GeneratedTrees, tree => Path.GetFileName(tree.FilePath) == TargetsFile);
        Assert.Equal(3, result.GeneratedTrees.Length);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }
}
