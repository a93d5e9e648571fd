using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Methods;
using static Peft.Generators.PeftGenerator;

namespace Peft.Generators.Methods;

/// <summary>
/// LoKr (<c>[LoKr]</c>): <c>AttachLoKr</c> with the layer's <c>LoKrKernel&lt;T&gt;</c>, a subclass of the runtime's kernel
/// holding the Kronecker geometry (a, b, c, d) as constants and the two reorderings of its item blocks.
/// </summary>
internal sealed class LoKrEmitter : AdapterEmitter
{
    public static readonly LoKrEmitter Instance = new();

    private LoKrEmitter()
    {
    }

    public override bool UsesLowRankLoops => false;

    public override string Describe(LayerInfo layer)
    {
        string text = $"LoKr, r = {layer.Rank}, α = {FormatDouble(layer.Argument("Alpha"))}";
        if (!layer.HasConstantShape)
        {
            return text;
        }

        var (a, b, c, d) = Geometry(layer);
        return $"{text}, W1 [{a}, {c}] ⊗ W2 [{b}, {d}]{ShapeText(layer)}";
    }

    public override AttachCall Attach(LayerInfo layer, string seed) => new("AttachLoKr", "LoKrOptions",
    [
        .. LoHaEmitter.LyCORISValues(layer),
        $"RankDropoutScale = {(layer.Flag("RankDropoutScale") ? "true" : "false")},",
        $"DecomposeBoth = {(layer.Flag("DecomposeBoth") ? "true" : "false")},",
        $"DecomposeFactor = {(int)layer.Argument("DecomposeFactor")},",
        $"Init = global::Peft.LoKrInit.{InitName((int)layer.Argument("Init"))},",
        $"Seed = {seed},",
    ]);

    /// <summary>A shape-generic LoKr kernel takes the layer's sizes: the split follows from them.</summary>
    public override string NewKernel(string kernel, LayerInfo layer, string member) =>
        layer.HasConstantShape ? base.NewKernel(kernel, layer, member) : $"new {kernel}({member}.InFeatures, {member}.OutFeatures)";

    /// <summary>The layer's <c>LoKrKernel&lt;T&gt;</c>.</summary>
    public override void WriteKernel(IndentedWriter writer, ModelInfo owner, LayerInfo layer)
    {
        string t = layer.ElementType;
        HierarchyInfo model = owner.Hierarchy;
        string kernel = KernelName(owner, layer);
        bool constant = layer.HasConstantShape;
        int factor = (int)layer.Argument("DecomposeFactor");
        string readOnlySpan = $"{ReadOnlySpanName}<{t}>", span = $"{SpanName}<{t}>";

        writer.Line("/// <summary>");
        if (constant)
        {
            var (a, b, c, d) = Geometry(layer);
            writer.Line($"/// The LoKr kernel of <c>{model.DisplayName}.{layer.MemberName}</c>: <c>ΔW = s·(W1 ⊗ W2)</c> with W1 [{a}, {c}] and W2 [{b}, {d}] " +
                $"(in {layer.InFeatures} = {c}·{d}, out {layer.OutFeatures} = {a}·{b}), <see cref=\"{t}\"/>.");
        }
        else
        {
            writer.Line($"/// The LoKr kernel of <c>{model.DisplayName}.{layer.MemberName}</c>: <c>ΔW = s·(W1 ⊗ W2)</c>, the split fixed when the kernel is created, <see cref=\"{t}\"/>.");
        }

        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// <para>Forward, x of an item viewed as <c>X[c, d]</c>: <c>(W1 ⊗ W2)·x = vec(W1·X·W2ᵀ)</c>. <c>T = X·W2ᵀ</c> for the whole batch,");
        writer.Line("/// its item blocks interleaved to <c>T'[c, batch·b]</c>, <c>Y' = s·W1·T'</c>, de-interleaved into y. The GEMMs are the runtime's;");
        writer.Line("/// this kernel supplies the reorderings with the block width b as a constant.</para>");
        writer.Line("/// </remarks>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"file sealed class {kernel} : global::Peft.Generated.LoKrKernel<{t}>"))
        {
            WriteLayerName(writer, model, layer);
            if (constant)
            {
                var (a, b, c, d) = Geometry(layer);
                writer.Line("/// <summary>a, the rows of W1.</summary>");
                writer.Line($"public const int OutLeft = {a};");
                writer.Line();
                writer.Line("/// <summary>b, the rows of W2: the width of every block the reorderings move.</summary>");
                writer.Line($"public const int OutRight = {b};");
                writer.Line();
                writer.Line("/// <summary>c, the columns of W1.</summary>");
                writer.Line($"public const int InLeft = {c};");
                writer.Line();
                writer.Line("/// <summary>d, the columns of W2.</summary>");
                writer.Line($"public const int InRight = {d};");
                writer.Line();
                writer.Line("/// <summary>Creates the kernel.</summary>");
                writer.Line($"public {kernel}()");
                using (writer.Indent())
                {
                    writer.Line(": base(Layer, new global::Peft.LoKrShape(OutLeft, OutRight, InLeft, InRight))");
                }

                using (writer.OpenBlock())
                {
                }
            }
            else
            {
                writer.Line("/// <summary>Creates the kernel for a layer of the given shape, split as PEFT's <c>factorization</c>.</summary>");
                writer.Line($"public {kernel}(int inFeatures, int outFeatures)");
                using (writer.Indent())
                {
                    writer.Line($": base(Layer, global::Peft.LoKrShape.For(inFeatures, outFeatures, {factor}))");
                }

                using (writer.OpenBlock())
                {
                }

                writer.Line();
                writer.Line("/// <summary>b, the rows of W2: the width of every block the reorderings move.</summary>");
                writer.Line("private int OutRight => Shape.OutRight;");
            }

            writer.Line();
            writer.Line("/// <summary><c>destination[m, n·b + q] = source[n, m, q]</c>: <c>[batch, rows, b]</c> → <c>[rows, batch·b]</c>.</summary>");
            using (writer.OpenBlock($"protected override void Interleave({readOnlySpan} source, {span} destination, int rows, int batch)"))
            {
                WriteBlockLoops(writer, "source.Slice((n * rows + m) * OutRight, OutRight).CopyTo(destination.Slice((m * batch + n) * OutRight, OutRight));");
            }

            writer.Line();
            writer.Line("/// <summary><c>destination[n, m, q] (+)= source[m, n·b + q]</c>: <c>[rows, batch·b]</c> → <c>[batch, rows, b]</c>.</summary>");
            using (writer.OpenBlock($"protected override void Deinterleave({readOnlySpan} source, {span} destination, int rows, int batch, bool add)"))
            {
                WriteBlockLoops(writer,
                    "var from = source.Slice((m * batch + n) * OutRight, OutRight);",
                    "var to = destination.Slice((n * rows + m) * OutRight, OutRight);",
                    "if (add)",
                    "{",
                    $"    global::System.Numerics.Tensors.TensorPrimitives.Add<{t}>(to, from, to);",
                    "}",
                    "else",
                    "{",
                    "    from.CopyTo(to);",
                    "}");
            }
        }
    }

    /// <summary>PEFT's split: <c>(c, d) = factorization(in, f)</c>, <c>(a, b) = factorization(out, f)</c>.</summary>
    private static (int A, int B, int C, int D) Geometry(LayerInfo layer)
    {
        int factor = (int)layer.Argument("DecomposeFactor");
        (int c, int d) = LoKrMethod.Factorization(layer.InFeatures, factor);
        (int a, int b) = LoKrMethod.Factorization(layer.OutFeatures, factor);
        return (a, b, c, d);
    }

    private static void WriteBlockLoops(IndentedWriter writer, params string[] body)
    {
        using (writer.OpenBlock("for (int n = 0; n < batch; n++)"))
        {
            using (writer.OpenBlock("for (int m = 0; m < rows; m++)"))
            {
                foreach (string line in body)
                {
                    writer.Line(line);
                }
            }
        }
    }

    private static string InitName(int init) => init switch
    {
        LoKrMethod.LyCORISInit => "LyCORIS",
        LoKrMethod.RandomInit => "Random",
        _ => "Default",
    };
}
