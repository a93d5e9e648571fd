using Peft.Generators.Helpers;
using Peft.Generators.Models;
using static Peft.Generators.PeftGenerator;

namespace Peft.Generators.Methods;

/// <summary>
/// IA³ (<c>[IA3]</c>): <c>AttachIA3</c> and a kernel that fixes the scaled width (out, or in for a feed-forward layer)
/// as a constant and checks it is called on its layer; the row loops are the runtime's <c>IA3Loops</c>.
/// </summary>
internal sealed class IA3Emitter : AdapterEmitter
{
    public static readonly IA3Emitter Instance = new();

    private IA3Emitter()
    {
    }

    public override bool UsesLowRankLoops => false;

    public override string Describe(LayerInfo layer) => $"IA³ on the {(IsFeedForward(layer) ? "input" : "output")}{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed) =>
        new("AttachIA3", "IA3Options", [$"FeedForward = {(IsFeedForward(layer) ? "true" : "false")},"]);

    public override void WriteKernel(IndentedWriter writer, ModelInfo owner, LayerInfo layer)
    {
        string t = layer.ElementType;
        bool feedForward = IsFeedForward(layer);
        bool constant = layer.HasConstantShape;
        string width = constant ? (feedForward ? layer.InFeatures : layer.OutFeatures).ToString(System.Globalization.CultureInfo.InvariantCulture) : "0";
        string readOnlySpan = $"{ReadOnlySpanName}<{t}>", span = $"{SpanName}<{t}>";
        string loops = "global::Peft.Generated.IA3Loops";
        string w = constant ? "Width" : "width";

        writer.Line("/// <summary>");
        writer.Line($"/// The IA³ kernel of <c>{owner.Hierarchy.DisplayName}.{layer.MemberName}</c>: " +
            (feedForward ? "<c>y = W0·(l ⊙ x) + b</c>, l scales the input" : "<c>y = l ⊙ (W0·x + b)</c>, l scales the output") +
            $"{(constant ? $", {width} values" : "")}, <see cref=\"{t}\"/>.");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"file sealed class {KernelName(owner, layer)} : global::Peft.Generated.IIA3Kernel<{t}>"))
        {
            WriteLayerName(writer, owner.Hierarchy, layer);
            writer.Line($"/// <summary>The scaled width ({(feedForward ? "in" : "out")}){(constant ? "" : "; 0: the layer's shape is known at run time")}.</summary>");
            writer.Line($"public const int Width = {width};");
            writer.Line();
            writer.Line($"int global::Peft.Generated.IIA3Kernel<{t}>.Width => Width;");
            writer.Line();
            WriteMethod(writer, "Scale", "<c>y[b, j] = v[b, j]·l[j]</c>.", [$"{readOnlySpan} v", $"{readOnlySpan} l", $"{span} y"], ["v", "l", "y"], loops, w, constant);
            writer.Line();
            WriteMethod(writer, "ScaleAdd", "<c>y[b, j] += v[b, j]·l[j]</c>.", [$"{readOnlySpan} v", $"{readOnlySpan} l", $"{span} y"], ["v", "l", "y"], loops, w, constant);
            writer.Line();
            WriteMethod(writer, "AccumulateGradient", "<c>dl[j] += Σ_b v[b, j]·g[b, j]</c>.", [$"{readOnlySpan} v", $"{readOnlySpan} g", $"{span} dl"], ["v", "g", "dl"], loops, w, constant);
        }
    }

    private static void WriteMethod(IndentedWriter writer, string name, string summary, string[] parameters, string[] arguments, string loops, string width, bool constant)
    {
        writer.Line($"/// <summary>{summary}</summary>");
        using (writer.OpenBlock($"public void {name}", [.. parameters, "int batch", "int width"]))
        {
            if (constant)
            {
                using (writer.OpenBlock("if (width != Width)"))
                {
                    writer.Line("throw new global::System.ArgumentException($\"{Layer}: IA³ kernel for width {Width} called for width {width}.\");");
                }

                writer.Line();
            }

            writer.Line($"{loops}.{name}({string.Join(", ", arguments)}, batch, {width});");
        }
    }

    private static bool IsFeedForward(LayerInfo layer) => layer.Flag("FeedForward");
}
