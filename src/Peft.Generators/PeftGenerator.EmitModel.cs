using System.Collections.Generic;
using System.Linq;
using Peft.Generators.Helpers;
using Peft.Generators.Methods;
using Peft.Generators.Models;
using static Peft.Generators.Methods.AdapterEmitter;

namespace Peft.Generators;

/// <summary>Writes the model plumbing: layer enumeration and registration, attach, optimizer groups, merge.</summary>
public sealed partial class PeftGenerator
{
    private const string ModuleName = "global::Peft.Module";

    private static void WriteModelMembers(IndentedWriter writer, ModelInfo model)
    {
        WriteAdapterLayers(writer, model);
        writer.Line();
        WriteRegisterAdapterLayers(writer, model);
        writer.Line();
        WriteAttachAdapters(writer, model);
        writer.Line();
        WriteParameterGroups(writer, model.Layers, static layer => $"<c>{layer.MemberName}</c>", registerLayers: true);
        writer.Line();
        WriteMergeMethods(writer, model);
    }

    private static void WriteAdapterLayers(IndentedWriter writer, ModelInfo model)
    {
        writer.Line("/// <summary>");
        writer.Line("/// The layers annotated with adapter attributes and their module paths (the member names), in");
        writer.Line("/// declaration order: " + string.Join(", ", model.Layers.Select(l => $"<c>{l.MemberName}</c>")) + ".");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"public global::System.Collections.Generic.IEnumerable<global::System.Collections.Generic.KeyValuePair<string, {ModuleName}>> AdapterLayers()"))
        {
            foreach (LayerInfo layer in model.Layers)
            {
                writer.Line($"yield return new(\"{layer.MemberName}\", {MemberAccess(layer)});");
            }
        }
    }

    private static void WriteRegisterAdapterLayers(IndentedWriter writer, ModelInfo model)
    {
        writer.Line("/// <summary>");
        writer.Line("/// Registers every annotated layer as a child module named after its member, so that");
        writer.Line("/// <see cref=\"global::Peft.Module.NamedModules\"/> and <see cref=\"global::Peft.Module.NamedParameters(string)\"/> see it.");
        writer.Line("/// Layers that are already children (under any name) are left as they are, so calling it again is harmless.");
        writer.Line("/// <see cref=\"AttachAdapters\"/> calls it; call it from a constructor to have the paths before attaching.");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock("public void RegisterAdapterLayers()"))
        {
            foreach (LayerInfo layer in model.Layers)
            {
                writer.Line($"this.RegisterAdapterLayer(\"{layer.MemberName}\", {MemberAccess(layer)});");
            }
        }

        writer.Line();
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"private void RegisterAdapterLayer(string name, {ModuleName} layer)"))
        {
            using (writer.OpenBlock("foreach (var child in this.Children)"))
            {
                using (writer.OpenBlock("if (global::System.Object.ReferenceEquals(child.Value, layer))"))
                {
                    writer.Line("return;");
                }
            }

            writer.Line();
            writer.Line("this.RegisterModule(name, layer);");
        }
    }

    private static void WriteAttachAdapters(IndentedWriter writer, ModelInfo model)
    {
        writer.Line("/// <summary>");
        writer.Line("/// Registers the annotated layers (see <see cref=\"RegisterAdapterLayers\"/>) and attaches their adapters,");
        writer.Line("/// each with its generated kernel:");
        writer.Line("/// <list type=\"bullet\">");
        foreach (LayerInfo layer in model.Layers)
        {
            writer.Line($"/// <item><c>{layer.MemberName}</c>: {AdapterEmitter.For(layer.Method).Describe(layer)}</item>");
        }

        writer.Line("/// </list>");
        writer.Line("/// Layer i (in declaration order) is initialised with seed <c>seed + i</c>; base layers are frozen.");
        writer.Line("/// </summary>");
        writer.Line("/// <param name=\"adapterName\">The adapter name (PEFT's <c>adapter_name</c>).</param>");
        writer.Line("/// <param name=\"seed\">The seed of the first layer's initialisation and dropout.</param>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"public void AttachAdapters(string adapterName = global::Peft.LinearAdapterExtensions.DefaultName, int seed = 0)"))
        {
            writer.Line("this.RegisterAdapterLayers();");
            for (int i = 0; i < model.Layers.Length; i++)
            {
                LayerInfo layer = model.Layers[i];
                string member = MemberAccess(layer);
                AdapterEmitter emitter = AdapterEmitter.For(layer.Method);
                string kernel = emitter.NewKernel(KernelName(model, layer), layer, member);
                string seed = i == 0 ? "seed" : $"seed + {i}";
                (string attach, string options, string[] values) = emitter.Attach(layer, seed);
                writer.Line($"global::Peft.LinearAdapterExtensions.{attach}({member}, adapterName, new global::Peft.{options}");
                writer.Line("{");
                using (writer.Indent())
                {
                    foreach (string value in values)
                    {
                        writer.Line(value);
                    }
                }

                writer.Line($"}}, {kernel});");
            }
        }
    }

    /// <summary>
    /// The LoRA+ groups of Hugging Face PEFT's <c>create_loraplus_optimizer</c>, built by the runtime's
    /// <c>LoRAPlusParameterGroups</c>. What the generator adds is compile-time knowledge: the model's
    /// ratio (the first LoRA+ layer's; 1 without LoRA+ layers, which leaves B at lr) and, in the
    /// documentation, which layer trains at which rate. LoRA+ layers with their own ratio get their own group.
    /// </summary>
    /// <param name="writer">The writer.</param>
    /// <param name="layers">The model's adapter layers (members, or class-level attributes).</param>
    /// <param name="name">How the documentation names a layer.</param>
    /// <param name="registerLayers">Whether the groups first register the annotated members (<c>RegisterAdapterLayers</c>).</param>
    private static void WriteParameterGroups(IndentedWriter writer, EquatableArray<LayerInfo> layers, System.Func<LayerInfo, string> name, bool registerLayers)
    {
        var plusLayers = layers
            .Select(static l => (Layer: l, Ratio: AdapterEmitter.For(l.Method).LearningRateRatio(l)))
            .Where(static l => l.Ratio is not null)
            .Select(static l => (l.Layer, Ratio: l.Ratio!.Value))
            .ToList();
        double modelRatio = plusLayers.Count == 0 ? 1.0 : plusLayers[0].Ratio;

        writer.Line("/// <summary>");
        writer.Line("/// The optimizer parameter groups of LoRA+ (Hugging Face PEFT's <c>create_loraplus_optimizer</c>) over the");
        writer.Line("/// trainable parameters of this model: <c>lora_A</c>, MoRA's M and other matrices at <c>lr</c>;");
        foreach (var group in plusLayers.GroupBy(l => l.Ratio))
        {
            string members = string.Join(", ", group.Select(l => name(l.Layer)));
            writer.Line($"/// <c>lora_B</c> of {members} at <c>lr·{FormatDouble(group.Key)}</c>;");
        }

        writer.Line($"/// other <c>lora_B</c> and trainable 1-D parameters at <c>lr·{FormatDouble(modelRatio)}</c> (no weight decay on biases and");
        writer.Line("/// norm weights); embedding adapters at <paramref name=\"embeddingLearningRate\"/>. Frozen parameters are left out.");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock("public global::Peft.ParameterGroup[] CreateParameterGroups",
            ["double learningRate", "double weightDecay = 0.0", "double embeddingLearningRate = global::Peft.LoRAPlusParameterGroups.DefaultEmbeddingLearningRate"]))
        {
            if (registerLayers)
            {
                writer.Line("this.RegisterAdapterLayers();");
            }

            writer.Line($"return global::Peft.LoRAPlusParameterGroups.Create(this, learningRate, {FormatDouble(modelRatio)}, weightDecay, embeddingLearningRate);");
        }

        writer.Line();
        writer.Line("/// <summary>AdamW (PyTorch's update, decoupled weight decay) over <see cref=\"CreateParameterGroups\"/>.</summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock("public global::Peft.AdamW CreateOptimizer",
            ["double learningRate", "double weightDecay = 0.0", "double beta1 = 0.9", "double beta2 = 0.999", "double epsilon = 1e-8"]))
        {
            writer.Line("return new global::Peft.AdamW(this.CreateParameterGroups(learningRate, weightDecay), beta1, beta2, epsilon);");
        }
    }

    private static void WriteMergeMethods(IndentedWriter writer, ModelInfo model)
    {
        WriteForEachLayer(writer, model, "MergeAdapters", "Merge",
            "Folds every annotated layer's active adapter into its base weight (<c>W = W0 + ΔW</c>).");
        writer.Line();
        WriteForEachLayer(writer, model, "UnmergeAdapters", "Unmerge",
            "Undoes <see cref=\"MergeAdapters\"/> on every annotated layer (<c>W = W − ΔW</c>).");
    }

    /// <summary>A method calling <c>layer.Adapters.{call}()</c> on every annotated layer.</summary>
    private static void WriteForEachLayer(IndentedWriter writer, ModelInfo model, string method, string call, string summary)
    {
        writer.Line($"/// <summary>{summary}</summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"public void {method}()"))
        {
            foreach (LayerInfo layer in model.Layers)
            {
                writer.Line($"{MemberAccess(layer)}.Adapters.{call}();");
            }
        }
    }

    /// <summary><c>this.Member</c>, with <c>@</c> for a member named like a keyword (<c>this.@class</c>).</summary>
    private static string MemberAccess(LayerInfo layer) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(layer.MemberName) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None
            ? "this." + layer.MemberName
            : "this.@" + layer.MemberName;
}
