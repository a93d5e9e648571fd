using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators.Methods;

/// <summary>
/// AdaLoRA (<c>[AdaLoRA]</c>): <c>AttachAdaLoRA</c> with the attribute's schedule and LoRA's rank-specialized kernel at the
/// initial rank, scale <c>c = α/(r + 10⁻⁵)</c>. E folds into A: the runtime's <c>AdaLoRAAdapter</c> hands the kernel
/// <c>Ã = E ⊙ A</c> (row k of A times E[k]) and splits the kernel's <c>dÃ</c> into dA and dE, so the kernel is LoRA's.
/// </summary>
internal sealed class AdaLoRAEmitter : LoRAEmitter
{
    public static new readonly AdaLoRAEmitter Instance = new();

    private AdaLoRAEmitter()
    {
    }

    public override string Describe(LayerInfo layer) =>
        $"AdaLoRA, r = {layer.Rank} → {(int)layer.Argument("TargetRank")}, α = {FormatDouble(layer.Argument("Alpha"))}, " +
        $"{(int)layer.Argument("TotalSteps")} steps{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed) => new("AttachAdaLoRA", "AdaLoRAOptions",
    [
        $"Rank = {layer.Rank},",
        $"TargetRank = {(int)layer.Argument("TargetRank")},",
        $"Alpha = {FormatDouble(layer.Argument("Alpha"))},",
        $"Dropout = {FormatDouble(layer.Argument("Dropout"))},",
        $"Tinit = {(int)layer.Argument("Tinit")},",
        $"Tfinal = {(int)layer.Argument("Tfinal")},",
        $"DeltaT = {(int)layer.Argument("DeltaT")},",
        $"TotalSteps = {(int)layer.Argument("TotalSteps")},",
        $"Beta1 = {FormatDouble(layer.Argument("Beta1"))},",
        $"Beta2 = {FormatDouble(layer.Argument("Beta2"))},",
        $"OrthRegWeight = {FormatDouble(layer.Argument("OrthRegWeight"))},",
        $"Seed = {seed},",
    ]);

    private protected override bool UsesRsLoRA(LayerInfo layer) => false;

    private protected override (double Scale, string Formula) ScaleOf(LayerInfo layer)
    {
        double alpha = layer.Argument("Alpha");
        return (AdaLoRAMethod.Scale(alpha, layer.Rank), $"α/(r + 1e-5) = {FormatDouble(alpha)}/({layer.Rank} + 1e-5)");
    }

    private protected override string ForwardRemark =>
        "/// <para>AdaLoRA's low-rank products with <c>Ã = E ⊙ A</c> in A's place: <c>xa = x·Ãᵀ</c>, <c>y += c·xa·Bᵀ</c>.</para>";
}
