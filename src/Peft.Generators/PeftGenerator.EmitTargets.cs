using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.CSharp;
using Peft.Generators.Helpers;
using Peft.Generators.Methods;
using Peft.Generators.Models;

namespace Peft.Generators;

/// <summary>
/// Writes the file of a class with class-level adapter attributes (<see cref="TargetedModelInfo"/>): the base
/// constructors when the class declares none, <c>AttachAdapters</c> (one <c>ModuleAdapterExtensions.Apply</c> per
/// attribute with the attribute's targets, options and a new generated kernel per matched layer), the LoRA+ optimizer
/// groups, and the kernels, which take their shapes from the layers at run time (the sizes come from config.json).
/// </summary>
public sealed partial class PeftGenerator
{
    private static string EmitTargetedModelSource(TargetedModelInfo model, CancellationToken token)
    {
        var kernels = new ModelInfo(model.Hierarchy, new EquatableArray<LayerInfo>(model.Groups.Select(static group => group.Layer).ToArray()));
        return EmitFile(model.Hierarchy, "the class-level adapter attributes", writer =>
        {
            WriteBaseConstructors(writer, model);
            WriteAttachTargets(writer, model, kernels);
            writer.Line();
            WriteParameterGroups(writer, kernels.Layers, static layer => $"<c>{layer.Label}</c>", registerLayers: false);
        }, kernels, token);
    }

    private static void WriteBaseConstructors(IndentedWriter writer, TargetedModelInfo model)
    {
        string name = model.Hierarchy.Types[model.Hierarchy.Types.Length - 1].Name;
        foreach (BaseConstructorInfo constructor in model.Constructors)
        {
            writer.Line($"/// <summary>The base constructor of <c>{model.BaseType}</c> (generated: the class declares no constructor).</summary>");
            WriteGeneratedAttributes(writer);
            writer.Line($"{constructor.Accessibility} {name}({constructor.Parameters})");
            using (writer.Indent())
            {
                writer.Line($": base({constructor.Arguments})");
            }

            writer.Line("{");
            writer.Line("}");
            writer.Line();
        }
    }

    private static void WriteAttachTargets(IndentedWriter writer, TargetedModelInfo model, ModelInfo kernels)
    {
        writer.Line("/// <summary>");
        writer.Line("/// Attaches the class-level adapters to every layer their targets match (PEFT's <c>target_modules</c>: the path");
        writer.Line("/// equals a name or ends with <c>\".\" + name</c>), each layer with its own instance of the generated kernel, and");
        writer.Line("/// freezes every other parameter (PEFT's <c>get_peft_model</c>):");
        writer.Line("/// <list type=\"bullet\">");
        foreach (TargetGroupInfo group in model.Groups)
        {
            string paths = string.Join(", ", group.Paths.Select(static path => $"<c>{path}</c>"));
            writer.Line($"/// <item><c>{group.Layer.Label}</c> ({paths}): {AdapterEmitter.For(group.Layer.Method).Describe(group.Layer)}</item>");
        }

        writer.Line("/// </list>");
        writer.Line("/// <c>{i}</c> stands for every index of a module list (every decoder layer). Each call is");
        writer.Line("/// <see cref=\"global::Peft.ModuleAdapterExtensions.Apply(global::Peft.Module, global::Peft.AdapterConfig)\"/> with the");
        writer.Line("/// attribute's targets and options (the same matching, freezing, per-layer seeds and saved <c>target_modules</c>);");
        writer.Line("/// only the kernels differ.");
        writer.Line("/// </summary>");
        writer.Line("/// <param name=\"adapterName\">The adapter name (PEFT's <c>adapter_name</c>).</param>");
        writer.Line("/// <param name=\"seed\">The seed of the initialisation (mixed with each layer's path, as <c>Apply</c> mixes it).</param>");
        writer.Line("/// <returns>The paths of the adapted layers, attribute by attribute.</returns>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock("public global::System.Collections.Generic.IReadOnlyList<string> AttachAdapters(string adapterName = global::Peft.LinearAdapterExtensions.DefaultName, int seed = 0)"))
        {
            writer.Line("var paths = new global::System.Collections.Generic.List<string>();");
            foreach (TargetGroupInfo group in model.Groups)
            {
                LayerInfo layer = group.Layer;
                AdapterEmitter emitter = AdapterEmitter.For(layer.Method);
                AttachCall call = emitter.Attach(layer, "seed");
                string targets = string.Join(", ", group.Targets.Select(static target => SymbolDisplay.FormatLiteral(target, quote: true)));
                writer.Line($"paths.AddRange(global::Peft.ModuleAdapterExtensions.Apply<{layer.ElementType}>(this, new global::Peft.AdapterConfig");
                writer.Line("{");
                using (writer.Indent())
                {
                    writer.Line($"TargetModules = [{targets}],");
                    writer.Line("AdapterName = adapterName,");
                    writer.Line($"Options = new global::Peft.{call.Options}");
                    writer.Line("{");
                    using (writer.Indent())
                    {
                        foreach (string value in call.Values)
                        {
                            writer.Line(value);
                        }
                    }

                    writer.Line("},");
                }

                string kernel = emitter.NewKernel(AdapterEmitter.KernelName(kernels, layer), layer, "layer");
                writer.Line($"}}, static {emitter.KernelInterface(layer)}? (layer) => {kernel}));");
            }

            writer.Line("return paths;");
        }
    }
}
