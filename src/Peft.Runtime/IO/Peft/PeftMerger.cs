using Peft.Kernels;

namespace Peft.IO;

/// <summary>
/// Folds a PEFT adapter into base weights stored as safetensors: for every adapted module P the base
/// tensor <c>P.weight</c> becomes <c>W0 + ΔW</c> with <c>ΔW = s·B·A</c> (LoRA, <c>s = α/r</c> or rsLoRA
/// <c>α/√r</c>; for an embedding's <c>lora_embedding_A/B</c> the table gains <c>s·(B·A)ᵀ</c>) or the exact MoRA ΔW of <see cref="MoRAAdapter{T}"/> (types 1 and 6). The sum is formed in
/// double precision and rounded once to the tensor's own dtype; every other tensor is copied unchanged.
/// </summary>
public static class PeftMerger
{
    /// <summary>Merges <paramref name="adapterDirectory"/> into <paramref name="basePath"/> and writes <paramref name="outputPath"/> atomically.</summary>
    /// <returns>The module paths that were merged.</returns>
    public static IReadOnlyList<string> MergeFiles(string basePath, string adapterDirectory, string outputPath)
    {
        using var adapter = PeftAdapterDirectory.Open(adapterDirectory);
        using var baseFile = SafetensorsFile.Open(basePath);
        var (tensors, merged) = Merge(baseFile, adapter);
        SafetensorsWriter.WriteFile(outputPath, tensors, baseFile.Metadata.Count > 0 ? baseFile.Metadata : null);
        return merged;
    }

    /// <summary>
    /// The merged tensors; unchanged ones reference <paramref name="baseFile"/>'s memory, so write them before
    /// disposing it.
    /// </summary>
    public static (List<SafetensorsTensor> Tensors, List<string> MergedModules) Merge(SafetensorsFile baseFile, PeftAdapterDirectory adapter)
    {
        ArgumentNullException.ThrowIfNull(baseFile);
        ArgumentNullException.ThrowIfNull(adapter);
        if (adapter.OtherTensors.Count > 0)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: cannot merge tensor '{adapter.OtherTensors[0]}' (only lora_A / lora_B weights and lora_embedding_A / lora_embedding_B merge).");
        }

        var byWeight = new Dictionary<string, PeftModuleTensors>(StringComparer.Ordinal);
        foreach (var module in adapter.Modules)
        {
            string weightName = module.ModulePath + ".weight";
            if (!baseFile.Contains(weightName))
            {
                throw new InvalidDataException(
                    $"{baseFile.Source}: no tensor '{weightName}' for adapter module '{module.ModulePath}'.");
            }

            byWeight.Add(weightName, module);
        }

        var tensors = new List<SafetensorsTensor>(baseFile.Tensors.Count);
        var merged = new List<string>();
        foreach (var tensor in baseFile.Tensors)
        {
            if (byWeight.TryGetValue(tensor.Name, out var module))
            {
                tensors.Add(MergeOne(baseFile, tensor, module, adapter));
                merged.Add(module.ModulePath);
            }
            else
            {
                tensors.Add(SafetensorsTensor.FromBytes(tensor.Name, tensor.DType, tensor.Shape, baseFile.GetMemory(tensor)));
            }
        }

        return (tensors, merged);
    }

    private static SafetensorsTensor MergeOne(SafetensorsFile baseFile, SafetensorsTensorInfo weight, PeftModuleTensors module, PeftAdapterDirectory adapter)
    {
        var config = adapter.Config;
        if (!weight.DType.IsConvertibleFloat() || weight.Shape.Length != 2)
        {
            throw new InvalidDataException(
                $"{baseFile.Source}: base tensor '{weight.Name}' is {weight.DType} {weight.ShapeText}; merging needs a 2-D F16, BF16, F32 or F64 weight.");
        }

        // PyTorch's Linear stores [out, in]; with fan_in_fan_out (GPT-2's Conv1D) the weight is [in, out].
        // An embedding table is [num, dim] (fan_in_fan_out does not apply to it).
        int rows = checked((int)weight.Shape[0]);
        int columns = checked((int)weight.Shape[1]);
        double[] w = baseFile.ReadValues<double>(weight.Name);
        var format = PeftMethodFormat.For(config, adapter.Weights.Source);
        if (module.IsEmbedding)
        {
            format.AddEmbeddingDelta(w, rows, columns, module, adapter, weight);
        }
        else
        {
            int outF = config.FanInFanOut ? columns : rows;
            int inF = config.FanInFanOut ? rows : columns;
            format.AddDelta(w, outF, inF, module, adapter, weight);
        }

        return SafetensorsTensor.FromValues<double>(weight.Name, weight.Shape, w, weight.DType);
    }
}
