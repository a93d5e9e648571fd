using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators.Methods;

/// <summary>
/// LoHa (<c>[LoHa]</c>): <c>AttachLoHa</c> with LoRA's kernel at rank r², scale α/r baked in. <c>ΔW = s·(W1a·W1b) ⊙ (W2a·W2b)</c>
/// is the rank-r² product <c>s·U·D</c> of its Khatri–Rao factors, which the runtime's <c>LoHaAdapter</c> forms each step;
/// the kernel runs the low-rank products on them (above rank 23, on the runtime's packed GEMM).
/// </summary>
internal sealed class LoHaEmitter : LoRAEmitter
{
    public static new readonly LoHaEmitter Instance = new();

    private LoHaEmitter()
    {
    }

    /// <summary>The per-rank loops are keyed by the attribute's r, not the kernel's r²: LoHa's kernel runs on the packed GEMM.</summary>
    public override bool UsesLowRankLoops => false;

    public override string Describe(LayerInfo layer) =>
        $"LoHa, r = {layer.Rank} (kernel rank r² = {KernelRank(layer)}), α = {FormatDouble(layer.Argument("Alpha"))}{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed) => new("AttachLoHa", "LoHaOptions",
    [
        .. LyCORISValues(layer),
        $"InitWeights = {(layer.Flag("InitWeights") ? "true" : "false")},",
        $"Seed = {seed},",
    ]);

    /// <summary>The initializer lines of the options LoHa and LoKr share (<c>LyCORISOptions</c>): rank, α and the two dropouts.</summary>
    internal static string[] LyCORISValues(LayerInfo layer) =>
    [
        $"Rank = {layer.Rank},",
        $"Alpha = {FormatDouble(layer.Argument("Alpha"))},",
        $"RankDropout = {FormatDouble(layer.Argument("RankDropout"))},",
        $"ModuleDropout = {FormatDouble(layer.Argument("ModuleDropout"))},",
    ];

    private protected override bool UsesRsLoRA(LayerInfo layer) => false;

    private protected override int KernelRank(LayerInfo layer) => layer.Rank * layer.Rank;

    private protected override (double Scale, string Formula) ScaleOf(LayerInfo layer)
    {
        double alpha = layer.Argument("Alpha");
        return (LoHaMethod.Scale(alpha, layer.Rank), $"α/r = {FormatDouble(alpha)}/{layer.Rank}");
    }

    private protected override string ForwardRemark =>
        "/// <para>LoHa's rank-r² product of <c>U[o, i·r+j] = W1a[o,i]·W2a[o,j]</c> (B) and <c>D[i·r+j, :] = W1b[i,:] ⊙ W2b[j,:]</c> (A): " +
        "<c>y += s·(x·Dᵀ)·Uᵀ</c>.</para>";
}
