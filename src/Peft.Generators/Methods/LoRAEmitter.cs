using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Methods;
using static Peft.Generators.PeftGenerator;

namespace Peft.Generators.Methods;

/// <summary>
/// LoRA (<c>[LoRA]</c>): <c>LinearAdapterExtensions.AttachLoRA</c> with the attribute's options and the layer's
/// rank-specialized <c>ILoRAKernel&lt;T&gt;</c>, whose loops come from the per-rank loops file. LoRA+ and DoRA
/// derive from it: they run the same low-rank products.
/// </summary>
internal class LoRAEmitter : AdapterEmitter
{
    public static readonly LoRAEmitter Instance = new();

    private protected LoRAEmitter()
    {
    }

    public override bool UsesLowRankLoops => true;

    public override string Describe(LayerInfo layer) =>
        $"LoRA, r = {layer.Rank}, α = {FormatDouble(layer.Argument("Alpha"))}{(UsesRsLoRA(layer) ? " (rsLoRA)" : "")}{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed) => new("AttachLoRA", "LoRAOptions",
    [
        $"Rank = {layer.Rank},",
        $"Alpha = {FormatDouble(layer.Argument("Alpha"))},",
        $"UseRsLoRA = {(UsesRsLoRA(layer) ? "true" : "false")},",
        $"Dropout = {FormatDouble(layer.Argument("Dropout"))},",
        $"Init = global::Peft.LoRAInit.{((int)layer.Argument("Init") == LoRAMethod.GaussianInit ? "Gaussian" : "KaimingUniform")},",
        $"Seed = {seed},",
    ]);

    /// <summary>Whether the layer scales by α/√r (LoRA+ has no rsLoRA argument).</summary>
    private protected virtual bool UsesRsLoRA(LayerInfo layer) => layer.Flag("UseRsLoRA");

    /// <summary>The rank of the kernel's low-rank product (LoHa's is r²).</summary>
    private protected virtual int KernelRank(LayerInfo layer) => layer.Rank;

    /// <summary>The kernel's scale and its formula in words: <c>α/r</c>, or <c>α/√r</c> with rsLoRA.</summary>
    private protected virtual (double Scale, string Formula) ScaleOf(LayerInfo layer)
    {
        bool useRsLoRA = UsesRsLoRA(layer);
        double alpha = layer.Argument("Alpha");
        return (LoRAMethod.Scale(alpha, layer.Rank, useRsLoRA),
            useRsLoRA ? $"α/√r = {FormatDouble(alpha)}/√{layer.Rank}" : $"α/r = {FormatDouble(alpha)}/{layer.Rank}");
    }

    /// <summary>The kernel's documentation line saying what its forward pass computes.</summary>
    private protected virtual string ForwardRemark =>
        "/// <para>Forward (per row, <c>y = W0·x + s·B·(A·x)</c>): <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>.</para>";

    /// <summary>The rank-specialized <c>ILoRAKernel&lt;T&gt;</c> of the layer.</summary>
    public override void WriteKernel(IndentedWriter writer, ModelInfo owner, LayerInfo layer)
    {
        string t = layer.ElementType;
        HierarchyInfo model = owner.Hierarchy;
        string kernel = KernelName(owner, layer);
        int rank = KernelRank(layer);
        string loops = LoopsName(t, rank);
        bool unrolled = UsesLowRankLoops && rank <= MaxUnrolledRank; // else every product runs on the runtime's packed GEMM
        string passes = unrolled
            ? $"global::Peft.Generated.LowRankPasses<{t}, global::Peft.Generated.{loops}>"
            : $"global::Peft.Generated.LowRankGemmPasses<{t}>";
        bool constant = layer.HasConstantShape;
        string inName = constant ? "InFeatures" : "inFeatures";
        string outName = constant ? "OutFeatures" : "outFeatures";
        (double scale, string scaleFormula) = ScaleOf(layer);
        string scaleText = FormatDouble(scale);
        string shapeText = constant ? $"in {layer.InFeatures}, out {layer.OutFeatures}" : "any in and out";

        writer.Line("/// <summary>");
        writer.Line($"/// The {AdapterMethods.Get(layer.Method).DisplayName} kernel of <c>{layer.QualifiedName(model)}</c>: rank {rank}, " +
            $"scale s = {scaleFormula} = {scaleText}, {shapeText}, <see cref=\"{t}\"/>.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line(ForwardRemark);
        writer.Line("/// <para>Backward, with <c>g = dY·B</c>: <c>dB += s·dYᵀ·xa</c>, <c>dA += s·gᵀ·x</c>, <c>dX += s·g·A</c>.</para>");
        if (unrolled)
        {
            writer.Line("/// <para>Every loop is unrolled over the rank: the r dot products (or the r coefficients) of a row");
            writer.Line("/// are held in registers while the loop runs over the features in SIMD vectors. The loops are generated once");
            writer.Line($"/// per rank and element type (<c>{loops}</c>); the runtime's <c>LowRankPasses</c> groups them into parallel");
            writer.Line("/// regions (large problems use every core).</para>");
        }
        else
        {
            writer.Line($"/// <para>Above rank {MaxUnrolledRank} every product runs on the runtime's packed GEMM (<c>LowRankGemmPasses</c>).</para>");
        }

        writer.Line("/// </remarks>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"file sealed class {kernel} : global::Peft.Generated.ILoRAKernel<{t}>"))
        {
            WriteLayerName(writer, model, layer);
            writer.Line("/// <summary>The rank r.</summary>");
            writer.Line($"public const int Rank = {rank};");
            writer.Line();
            writer.Line($"/// <summary>The scale s = {scaleFormula}.</summary>");
            writer.Line($"public const {t} Scale = ({t}){scaleText};");
            writer.Line();
            if (constant)
            {
                WriteShapeConstants(writer, layer);
            }

            if (unrolled)
            {
                writer.Line("// Bᵀ and dBᵀ, [Rank, out]: B transposed so that the loops over the outputs read contiguous rows;");
                writer.Line("// A with padded rows when its width is a multiple of 2 KiB (see the loops' Stride).");
                writer.Line($"private {t}[] _bTransposed = [];");
                writer.Line($"private {t}[] _bGradientTransposed = [];");
                writer.Line($"private {t}[] _aPadded = [];");
                writer.Line();
            }

            writer.Line($"int global::Peft.Generated.ILoRAKernel<{t}>.Rank => Rank;");
            writer.Line();
            writer.Line($"int global::Peft.Generated.ILoRAKernel<{t}>.InFeatures => {(constant ? "InFeatures" : "0")};");
            writer.Line();
            writer.Line($"int global::Peft.Generated.ILoRAKernel<{t}>.OutFeatures => {(constant ? "OutFeatures" : "0")};");
            writer.Line();

            string readOnlySpan = $"{ReadOnlySpanName}<{t}>", span = $"{SpanName}<{t}>";
            writer.Line("/// <summary><c>xa = x·Aᵀ</c> (kept for the backward pass), then <c>y += s·xa·Bᵀ</c>.</summary>");
            using (writer.OpenBlock("public void Forward",
                [$"{readOnlySpan} x", $"{readOnlySpan} a", $"{readOnlySpan} b", $"{t} scale", $"{span} xa", $"{span} y", "int batch", "int inFeatures", "int outFeatures"]))
            {
                WriteShapeCheck(writer, constant);
                writer.Call($"{passes}.Forward", LowRankArguments(unrolled,
                    ["x", "a", "b", "Scale", "xa", "y"], ["ref _bTransposed", "ref _aPadded"], ["batch", inName, outName]), ";");
            }

            writer.Line();
            writer.Line("/// <summary><c>g = dY·B</c>; <c>dB += s·dYᵀ·xa</c>, <c>dA += s·gᵀ·x</c>, <c>dX += s·g·A</c> (empty spans are skipped).</summary>");
            using (writer.OpenBlock("public void Backward",
                [$"{readOnlySpan} x", $"{readOnlySpan} dy", $"{readOnlySpan} a", $"{readOnlySpan} b", $"{readOnlySpan} xa", $"{t} scale",
                 $"{span} dyB", $"{span} aGradient", $"{span} bGradient", $"{span} inputGradient", "int batch", "int inFeatures", "int outFeatures"]))
            {
                WriteShapeCheck(writer, constant);
                writer.Call($"{passes}.Backward", LowRankArguments(unrolled,
                    ["x", "dy", "a", "b", "xa", "Scale", "dyB", "aGradient", "bGradient", "inputGradient"],
                    ["ref _bTransposed", "ref _bGradientTransposed", "ref _aPadded"], ["batch", inName, outName]), ";");
            }

            writer.Line();
            writer.Line("/// <summary>The merge: <c>W += factor·s·B·A</c>, the rank unrolled as in the forward pass.</summary>");
            using (writer.OpenBlock("public void AddDeltaWeight",
                [$"{readOnlySpan} a", $"{readOnlySpan} b", $"{t} scale", $"{t} factor", $"{span} weight", "int inFeatures", "int outFeatures"]))
            {
                WriteShapeCheck(writer, constant);
                writer.Call($"{passes}.AddDeltaWeight", LowRankArguments(unrolled, ["a", "b", "factor * Scale", "weight"], [], [inName, outName]), ";");
            }
        }
    }

    /// <summary>
    /// The arguments of a pass: <c>Layer</c>, then the loops' scratch arrays (<c>LowRankPasses</c>) or the rank
    /// (<c>LowRankGemmPasses</c>, which needs no scratch), around the operands and the sizes.
    /// </summary>
    private static string[] LowRankArguments(bool unrolled, string[] operands, string[] scratch, string[] sizes) =>
        unrolled
            ? ["Layer", .. operands, .. scratch, .. sizes]
            : ["Layer", "Rank", .. operands, .. sizes];
}
