using System.Linq;
using Microsoft.CodeAnalysis;
using Peft.Generators.Helpers;
using Peft.Generators.Methods;
using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators;

/// <summary>
/// GPU descriptors: when the compilation references <c>Peft.Gpu</c>, each layer the GPU step has a plan for (float
/// LoRA, LoRA+, MoRA sharing or RoPE, no dropout) gets <c>{Member}GpuDescriptor(batch, inputGradient)</c>, its
/// <c>AdaptedLinearDescriptor</c> written from the kernel's constants (kind, in, out, r or r̂, scale). Peft.Gpu's
/// <c>AdaptedLinearPlan</c> turns it into dispatches (pipelines and their specialization constants, bindings, push
/// constants, workgroups) without a device and without reflection; <c>layer.ToGpu(device, optimizer, descriptor)</c>
/// checks it against the layer. The planning stays in Peft.Gpu, in one place: the generator emits the data only.
/// </summary>
public sealed partial class PeftGenerator
{
    private const string GpuTraining = "global::Peft.Gpu.Training";

    /// <summary>The type whose presence in the compilation turns the descriptors on.</summary>
    internal const string GpuDescriptorMetadataName = "Peft.Gpu.Training.AdaptedLinearDescriptor";

    /// <summary>Whether the compilation references Peft.Gpu (a bool, so unrelated edits keep the models cached).</summary>
    private static bool ReferencesGpu(Compilation compilation) => compilation.GetTypeByMetadataName(GpuDescriptorMetadataName) is not null;

    /// <summary>The <c>GpuAdapterKind</c> member of a layer, or null when the GPU step has no plan for it.</summary>
    internal static string? GpuKind(LayerInfo layer)
    {
        if (layer.ElementType != "float")
        {
            return null;
        }

        return layer.Method switch
        {
            AdapterMethod.LoRA or AdapterMethod.LoRAPlus when !HasDropout(layer) => "LoRA",
            AdapterMethod.MoRA when (int)layer.Argument("Type") == MoRAMethod.SharingType => "MoRASharing",
            AdapterMethod.MoRA when (int)layer.Argument("Type") == MoRAMethod.RoPEType => "MoRARoPE",
            _ => null,
        };
    }

    /// <summary>Whether the layer's method takes a dropout and the attribute sets one (the GPU step has none).</summary>
    private static bool HasDropout(LayerInfo layer) =>
        AdapterMethods.Get(layer.Method).IndexOf("Dropout") >= 0 && layer.Argument("Dropout") != 0;

    private static void WriteGpuDescriptors(IndentedWriter writer, ModelInfo model)
    {
        foreach (LayerInfo layer in model.Layers)
        {
            if (GpuKind(layer) is not { } kind)
            {
                continue;
            }

            string kernel = AdapterEmitter.KernelName(model, layer);
            string member = MemberAccess(layer);
            bool mora = layer.Method == AdapterMethod.MoRA;
            string inFeatures = layer.HasConstantShape ? $"{kernel}.InFeatures" : $"{member}.InFeatures";
            string outFeatures = layer.HasConstantShape ? $"{kernel}.OutFeatures" : $"{member}.OutFeatures";
            string rank = !mora ? $"{kernel}.Rank"
                : layer.HasConstantShape ? $"{kernel}.SquareRank"
                : $"global::Peft.MoRAShape.ComputeSquareRank({inFeatures}, {outFeatures}, {kernel}.Rank, global::Peft.MoRAType.{(kind == "MoRARoPE" ? "RoPE" : "Sharing")})";
            string scale = mora ? "1f" : $"{kernel}.Scale";
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line($"/// The GPU step's plan of <c>{layer.MemberName}</c> as data ({kind}{(mora ? ", r̂" : ", r")} and scale from the attribute" +
                $"{(layer.HasConstantShape ? ", in and out from the initializer" : "")}): pass it to <c>ToGpu</c>, which checks it against the layer.");
            writer.Line("/// </summary>");
            writer.Line("/// <param name=\"batch\">Rows per step.</param>");
            writer.Line("/// <param name=\"inputGradient\">Whether the backward pass writes dL/dx.</param>");
            WriteGeneratedAttributes(writer);
            writer.Line($"public {GpuTraining}.AdaptedLinearDescriptor {layer.MemberName.TrimStart('_')}GpuDescriptor(int batch, bool inputGradient = false) =>");
            using (writer.Indent())
            {
                writer.Line($"new({GpuTraining}.GpuAdapterKind.{kind}, {inFeatures}, {outFeatures}, {rank}, {scale}, {member}.Bias is not null, batch, inputGradient);");
            }
        }
    }
}
