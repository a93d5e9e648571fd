namespace Peft.IO;

/// <summary>
/// Folds a PEFT adapter into base weights stored as safetensors, as PEFT's <c>merge_and_unload(safe_merge=True)</c>
/// followed by <c>save_pretrained</c>: for every adapted module P the base tensor <c>P.weight</c> becomes
/// <c>W0 + ΔW</c> with <c>ΔW = s·B·A</c> (LoRA, <c>s = α/r</c> or rsLoRA <c>α/√r</c>; for an embedding's
/// <c>lora_embedding_A/B</c> the table gains <c>s·(B·A)ᵀ</c>) or the exact MoRA ΔW of <see cref="MoRAAdapter{T}"/>
/// (types 1 and 6), and a module to save replaces its base tensors with its trained copy. The sum is formed in double
/// precision and rounded once to the tensor's own dtype; every other tensor is copied byte for byte. The base is a
/// single file or a Hugging Face folder (single file or <c>model.safetensors.index.json</c> with shards); the output
/// has the input's layout: the same shards, the same index, the same dtypes, the folder's other files copied.
/// Before anything is written the adapter is checked as PEFT would: its <c>target_modules</c> must match modules of
/// the base ("Target modules … not found in the base model"), every adapter module must be one they target, and
/// every adapter value and every merged value must be finite (<c>safe_merge</c>).
/// </summary>
public static class PeftMerger
{
    /// <summary>
    /// Merges <paramref name="adapterDirectory"/> into the base at <paramref name="basePath"/> (a <c>.safetensors</c>
    /// file or a model folder) and writes <paramref name="outputPath"/> atomically: a file for a file (replaced by
    /// rename), a new folder for a folder (written beside it under a temporary name, then renamed; it must not exist
    /// or be empty). A failure leaves no output.
    /// </summary>
    /// <returns>The module paths that were merged (adapter modules, then modules to save).</returns>
    /// <exception cref="InvalidDataException">The adapter or the base is invalid, or they do not fit (see the type's remarks).</exception>
    public static IReadOnlyList<string> MergeFiles(string basePath, string adapterDirectory, string outputPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        using var adapter = PeftAdapterDirectory.Open(adapterDirectory);
        using var checkpoint = SafetensorsCheckpoint.Open(basePath);
        var plan = PeftMergePlan.Create(checkpoint.Files, checkpoint.Source, adapter);
        var shards = checkpoint.Files.Select(file => (File: file, Tensors: plan.MergeFile(file))).ToList();
        if (checkpoint.Directory is null)
        {
            WriteShard(outputPath, shards[0].File, shards[0].Tensors);
            return plan.MergedModules;
        }

        AtomicFile.WriteDirectory(outputPath, folder =>
        {
            foreach (var (file, tensors) in shards)
            {
                WriteShard(Path.Combine(folder, Path.GetFileName(file.Source)), file, tensors);
            }

            // The index, config.json, tokenizer and generation files are the same for the merged model.
            var written = shards.Select(s => Path.GetFileName(s.File.Source)).ToHashSet(StringComparer.Ordinal);
            foreach (string file in Directory.EnumerateFiles(checkpoint.Directory))
            {
                string name = Path.GetFileName(file);
                if (!written.Contains(name) && !name.StartsWith('.'))
                {
                    File.Copy(file, Path.Combine(folder, name));
                }
            }
        });
        return plan.MergedModules;
    }

    /// <summary>
    /// The merged tensors of one base file; unchanged ones reference <paramref name="baseFile"/>'s memory, so write
    /// them before disposing it. The checks of <see cref="MergeFiles"/> apply.
    /// </summary>
    public static (List<SafetensorsTensor> Tensors, List<string> MergedModules) Merge(SafetensorsFile baseFile, PeftAdapterDirectory adapter)
    {
        ArgumentNullException.ThrowIfNull(baseFile);
        ArgumentNullException.ThrowIfNull(adapter);
        var plan = PeftMergePlan.Create([baseFile], baseFile.Source, adapter);
        return (plan.MergeFile(baseFile), [.. plan.MergedModules]);
    }

    private static void WriteShard(string path, SafetensorsFile file, List<SafetensorsTensor> tensors) =>
        SafetensorsWriter.WriteFile(path, tensors, file.Metadata.Count > 0 ? file.Metadata : null);
}
