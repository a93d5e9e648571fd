using System.Globalization;
using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators;

/// <summary>Writes the rank-specialized <c>ILoRAKernel&lt;T&gt;</c> of a LoRA or LoRA+ layer.</summary>
public sealed partial class PeftGenerator
{
    private static void WriteLoRAKernel(IndentedWriter writer, ModelInfo owner, LayerInfo layer)
    {
        string t = layer.ElementType;
        HierarchyInfo model = owner.Hierarchy;
        string kernel = KernelName(owner, layer);
        string loops = LoopsName(t, layer.Rank);
        bool unrolled = layer.Rank <= MaxUnrolledRank; // else every product runs on the runtime's packed GEMM
        string passes = unrolled
            ? $"global::Peft.Generated.LowRankPasses<{t}, global::Peft.Generated.{loops}>"
            : $"global::Peft.Generated.LowRankGemmPasses<{t}>";
        bool constant = layer.HasConstantShape;
        string inName = constant ? "InFeatures" : "inFeatures";
        string outName = constant ? "OutFeatures" : "outFeatures";
        string scaleText = FormatDouble(AdapterMath.Scale(layer));
        string scaleFormula = layer.UseRsLoRA
            ? $"α/√r = {FormatDouble(layer.Alpha)}/√{layer.Rank}"
            : $"α/r = {FormatDouble(layer.Alpha)}/{layer.Rank}";
        string shapeText = constant ? $"in {layer.InFeatures}, out {layer.OutFeatures}" : "any in and out";

        writer.Line("/// <summary>");
        writer.Line($"/// The {AdapterMethods.Get(layer.Method).DisplayName} kernel of <c>{model.DisplayName}.{layer.MemberName}</c>: rank {layer.Rank}, " +
            $"scale s = {scaleFormula} = {scaleText}, {shapeText}, <see cref=\"{t}\"/>.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// <para>Forward (per row, <c>y = W0·x + s·B·(A·x)</c>): <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>.</para>");
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
            writer.Line($"public const int Rank = {layer.Rank};");
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

    private static void WriteShapeCheck(IndentedWriter writer, bool constant)
    {
        if (!constant)
        {
            return;
        }

        using (writer.OpenBlock("if (inFeatures != InFeatures || outFeatures != OutFeatures)"))
        {
            writer.Line("throw new global::System.ArgumentException(");
            using (writer.Indent())
            {
                writer.Line("$\"{Layer}: kernel for Linear [{OutFeatures}, {InFeatures}] called for Linear [{outFeatures}, {inFeatures}].\");");
            }
        }

        writer.Line();
    }

    /// <summary><c>const int InFeatures</c> and <c>OutFeatures</c> of a kernel for a constant shape.</summary>
    private static void WriteShapeConstants(IndentedWriter writer, LayerInfo layer)
    {
        writer.Line("/// <summary>The input width.</summary>");
        writer.Line($"public const int InFeatures = {layer.InFeatures};");
        writer.Line();
        writer.Line("/// <summary>The output width.</summary>");
        writer.Line($"public const int OutFeatures = {layer.OutFeatures};");
        writer.Line();
    }

    /// <summary>The layer a kernel belongs to, for its error messages: <c>Classifier.Hidden</c>.</summary>
    private static void WriteLayerName(IndentedWriter writer, HierarchyInfo model, LayerInfo layer)
    {
        writer.Line("/// <summary>The layer this kernel computes, as error messages name it.</summary>");
        writer.Line($"public const string Layer = \"{model.DisplayName}.{layer.MemberName}\";");
        writer.Line();
    }

    /// <summary>
    /// The kernel's type name: the member name without leading underscores, capitalized, plus <c>Kernel</c>
    /// (<c>_query</c> → <c>QueryKernel</c>); the declaration index is added when two members of the model map to one name.
    /// </summary>
    private static string KernelName(ModelInfo model, LayerInfo layer)
    {
        string stem = Stem(layer.MemberName);
        bool shared = false;
        foreach (LayerInfo other in model.Layers)
        {
            shared |= !ReferenceEquals(other, layer) && Stem(other.MemberName) == stem;
        }

        return shared ? $"{stem}{layer.DeclarationIndex}Kernel" : stem + "Kernel";

        static string Stem(string name)
        {
            string trimmed = name.TrimStart('_');
            return trimmed.Length == 0 ? "Layer" : char.ToUpperInvariant(trimmed[0]) + trimmed.Substring(1);
        }
    }

    /// <summary>A double literal that round-trips (<c>2.0</c>, <c>0.70710678118654757</c>).</summary>
    private static string FormatDouble(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E', 'N', 'I']) >= 0 ? text : text + ".0";
    }
}
