using RankVerify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.AdapterRankAnalyzer>;
using RatioVerify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.LoRAPlusRatioAnalyzer>;
using MultipleVerify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.MultipleAdaptersAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

/// <summary>
/// The value rules hold on class-level attributes as on members (the generator leaves such an attribute out, so the
/// rule must say why); several attributes on a class are not PEFT0009, while two on a member still are.
/// </summary>
public sealed class ClassLevelValueRulesTests
{
    private static string Model(string attributes) => $$"""
        using Peft;
        using Peft.Models;

        {{attributes}}
        public partial class ChatTuning : LlamaForCausalLM
        {
            public ChatTuning(LlamaConfig config) : base(config) { }
        }
        """;

    [Fact]
    public Task Rank_below_one_on_a_class_is_reported() => RankVerify.VerifyAsync(
        Model("[LoRA({|PEFT0003:Rank = 0|}, TargetModules = [\"q_proj\"])]"));

    [Fact]
    public Task LoRAPlus_ratio_below_one_on_a_class_is_reported() => RatioVerify.VerifyAsync(
        Model("[LoRAPlus({|PEFT0001:Ratio = 0.5|}, TargetModules = [\"q_proj\"])]"));

    [Fact]
    public Task Several_attributes_on_a_class_are_not_multiple_adapters() => MultipleVerify.VerifyAsync(
        Model("[LoRA(TargetModules = [\"q_proj\"])] [MoRA(TargetModules = [\"down_proj\"])] [LoRA(TargetModules = [\"v_proj\"])]"));

    [Fact]
    public Task The_same_attribute_twice_on_a_member_is_still_multiple_adapters() => MultipleVerify.VerifyAsync(
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRA] [{|PEFT0009:LoRA(Rank = 4)|}]
            public Linear Hidden { get; } = new(784, 256);
        }
        """);
}
