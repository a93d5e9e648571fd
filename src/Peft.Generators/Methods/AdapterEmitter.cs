using System.Globalization;
using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators.Methods;

/// <summary>
/// What the generator writes for one adapter method: its <c>Attach…</c> call in <c>AttachAdapters</c>, its
/// description in the docs, whether it needs the per-rank loops, and the layer's kernel. One class per method
/// (<c>Methods/&lt;Method&gt;Emitter.cs</c>), chosen by <see cref="For"/>; everything else the generator writes is
/// method-independent. The values it reads are the layer's arguments as the shared description names them.
/// </summary>
internal abstract class AdapterEmitter
{
    /// <summary>Whether the method's kernels call the per-rank low-rank loops (<c>Peft.Generated.LowRankLoops.g.cs</c>).</summary>
    public abstract bool UsesLowRankLoops { get; }

    /// <summary>
    /// The emitter of <paramref name="method"/>. Exhaustive: a method that is not listed here does not compile
    /// (CS8509), so it can never fall through to another method's code.
    /// </summary>
    public static AdapterEmitter For(AdapterMethod method) => method switch
    {
        AdapterMethod.LoRA => LoRAEmitter.Instance,
        AdapterMethod.LoRAPlus => LoRAPlusEmitter.Instance,
        AdapterMethod.MoRA => MoRAEmitter.Instance,
        AdapterMethod.DoRA => DoRAEmitter.Instance,
        AdapterMethod.AdaLoRA => AdaLoRAEmitter.Instance,
        AdapterMethod.VeRA => VeRAEmitter.Instance,
        AdapterMethod.IA3 => IA3Emitter.Instance,
        AdapterMethod.LoHa => LoHaEmitter.Instance,
        AdapterMethod.LoKr => LoKrEmitter.Instance,
    };

    /// <summary>The layer's configuration in words, for the generated documentation (<c>LoRA, r = 8, α = 16.0, 784 → 256</c>).</summary>
    public abstract string Describe(LayerInfo layer);

    /// <summary>The <c>LinearAdapterExtensions</c> call that attaches the layer's adapter, seeded with <paramref name="seed"/>.</summary>
    public abstract AttachCall Attach(LayerInfo layer, string seed);

    /// <summary>
    /// The attach call of <paramref name="layer"/> in <paramref name="model"/>: <see cref="Attach(LayerInfo, string)"/>, unless the
    /// method shares state across the model's layers (VeRA's projections, sized to its largest VeRA layer).
    /// </summary>
    public virtual AttachCall Attach(ModelInfo model, LayerInfo layer, string seed) => Attach(layer, seed);

    /// <summary>The expression creating the layer's kernel (<paramref name="member"/> is the layer, e.g. <c>this.Hidden</c>).</summary>
    public virtual string NewKernel(string kernel, LayerInfo layer, string member) => $"new {kernel}()";

    /// <summary>The kernel interface the layer's kernel implements (class-level <c>AttachAdapters</c> passes kernels as it).</summary>
    public virtual string KernelInterface(LayerInfo layer) => $"global::Peft.Generated.ILoRAKernel<{layer.ElementType}>";

    /// <summary>
    /// The learning-rate ratio of B to A the layer trains with (LoRA+), or null when its method has none: the model's
    /// optimizer groups use the first layer's ratio, layers with another ratio get their own group.
    /// </summary>
    public virtual double? LearningRateRatio(LayerInfo layer) => null;

    /// <summary>Writes the layer's kernel, a <c>file</c> type named <see cref="KernelName"/>.</summary>
    public abstract void WriteKernel(IndentedWriter writer, ModelInfo owner, LayerInfo layer);

    /// <summary><c>, 784 → 256</c> for a constant shape, else nothing.</summary>
    private protected static string ShapeText(LayerInfo layer) =>
        layer.HasConstantShape ? $", {layer.InFeatures} → {layer.OutFeatures}" : "";

    private protected static void WriteShapeCheck(IndentedWriter writer, bool constant)
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
    private protected static void WriteShapeConstants(IndentedWriter writer, LayerInfo layer)
    {
        writer.Line("/// <summary>The input width.</summary>");
        writer.Line($"public const int InFeatures = {layer.InFeatures};");
        writer.Line();
        writer.Line("/// <summary>The output width.</summary>");
        writer.Line($"public const int OutFeatures = {layer.OutFeatures};");
        writer.Line();
    }

    /// <summary>The layer a kernel belongs to, for its error messages: <c>Classifier.Hidden</c>.</summary>
    private protected static void WriteLayerName(IndentedWriter writer, HierarchyInfo model, LayerInfo layer)
    {
        writer.Line("/// <summary>The layer this kernel computes, as error messages name it.</summary>");
        writer.Line($"public const string Layer = \"{layer.QualifiedName(model)}\";");
        writer.Line();
    }

    /// <summary>
    /// The kernel's type name: the member name without leading underscores, capitalized, plus <c>Kernel</c>
    /// (<c>_query</c> → <c>QueryKernel</c>); the declaration index is added when two members of the model map to one name.
    /// </summary>
    internal static string KernelName(ModelInfo model, LayerInfo layer)
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
    internal static string FormatDouble(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E', 'N', 'I']) >= 0 ? text : text + ".0";
    }
}
