using System.Numerics;

namespace Peft.IO;

/// <summary>
/// Loads PEFT adapter directories into a <see cref="Module"/> and saves its adapters as one, matching
/// modules by path: the file key <c>base_model.model.&lt;path&gt;.lora_A.weight</c> targets the
/// <see cref="Linear{T}"/> at <c>&lt;path&gt;</c>, and <c>base_model.model.&lt;path&gt;.lora_embedding_A</c> the
/// <see cref="Embedding{T}"/> there (PEFT's <c>lora.Embedding</c>).
/// </summary>
public static class PeftAdapterModuleExtensions
{
    /// <summary>
    /// Loads the adapter in <paramref name="directory"/> as the adapter <paramref name="adapterName"/> of
    /// every targeted layer, as PEFT's <c>PeftModel.from_pretrained</c>. A layer that already has an adapter of
    /// that name (for example one the source generator attached) receives the values when its kind, rank and
    /// scale match; otherwise a runtime adapter is attached. Values are converted from the file's dtype to the
    /// layer's element type. <c>modules_to_save</c> tensors (<c>base_model.model.&lt;path&gt;.weight</c>, …) load into
    /// the modules the config names, which become modules to save (their previous values kept as the frozen original).
    /// Then, as PEFT: every parameter outside the adapters is frozen; unless <paramref name="isTrainable"/>, the
    /// adapter is loaded for inference — its own parameters frozen too (PEFT's <c>inference_mode</c>) and the whole
    /// model in <see cref="Module.Eval"/> mode (dropout off); with <paramref name="isTrainable"/> the adapter's
    /// parameters (and modules to save) are trainable and the mode is left as it was.
    /// </summary>
    /// <returns>The adapter's config.</returns>
    /// <exception cref="InvalidDataException">The directory is invalid, a path has no <c>Linear</c> (or, for
    /// <c>lora_embedding_A/B</c>, no <c>Embedding</c>), a tensor belongs to no module to save, or shapes disagree.</exception>
    public static PeftAdapterConfig LoadAdapter(this Module model, string directory, string adapterName = LinearAdapterExtensions.DefaultName, bool isTrainable = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(adapterName);
        using var adapter = PeftAdapterDirectory.Open(directory);
        var saved = PeftModulesToSave.Find(model, adapter, adapterName);
        var format = adapter.Format;
        foreach (var module in adapter.Modules)
        {
            switch (model.FindModule(module.ModulePath))
            {
                case Linear<float> or Linear<double> when module.IsEmbedding:
                    throw new InvalidDataException(
                        $"{adapter.Weights.Source}: module '{module.ModulePath}' is a Linear, but the file holds embedding tensors '{module.A.Name}' and '{module.B.Name}'.");
                case Embedding<float> table:
                    format.LoadEmbedding(table, module, adapter, adapterName);
                    break;
                case Embedding<double> table:
                    format.LoadEmbedding(table, module, adapter, adapterName);
                    break;
                case Linear<float> layer:
                    format.Load(layer, module, adapter, adapterName);
                    break;
                case Linear<double> layer:
                    format.Load(layer, module, adapter, adapterName);
                    break;
                case null:
                    throw new InvalidDataException($"{adapter.Weights.Source}: the model has no module at '{module.ModulePath}'.");
                case var other:
                    throw new InvalidDataException(
                        $"{adapter.Weights.Source}: module '{module.ModulePath}' is a {other.GetType().Name}; adapters load into Linear (and LoRA into Embedding) layers.");
            }
        }

        saved.Load(model, adapter, adapterName, isTrainable);
        ModuleAdapterExtensions.FreezeAllButAdapters(model);
        foreach (var parameter in AdapterParameters(model, adapterName))
        {
            parameter.Trainable = isTrainable;
        }

        if (!isTrainable)
        {
            model.Eval();
        }

        if (adapter.Config.TargetModules is { } targets)
        {
            AppliedAdapters.Record(model, adapterName, new AppliedAdapter(targets, adapter.Config.ModulesToSave is { Count: > 0 } names ? names : null, adapter.Config));
        }

        return adapter.Config;
    }

    /// <summary>
    /// Saves the adapter <paramref name="adapterName"/> of every layer that has one as a PEFT adapter
    /// directory (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, each written atomically).
    /// LoRA and LoRA+ adapters are written as PEFT LoRA (ranks or α that differ between layers go to
    /// <c>rank_pattern</c> / <c>alpha_pattern</c>); MoRA adapters in the official MoRA format. An
    /// <see cref="Embedding{T}"/>'s LoRA adapter of that name is written as PEFT's <c>lora_embedding_A</c>
    /// <c>[r, num]</c> / <c>lora_embedding_B</c> <c>[dim, r]</c>. <c>target_modules</c> and <c>modules_to_save</c> are
    /// written as given to <see cref="ModuleAdapterExtensions.Apply"/> or read by <see cref="LoadAdapter"/> (full module
    /// paths only when the given targets would not select exactly the adapted layers, or for adapters attached by
    /// hand); the modules to save are written under PEFT's keys <c>base_model.model.&lt;path&gt;.weight</c>, ….
    /// Keys are in PEFT's order (sorted).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="directory">The output folder (created if needed).</param>
    /// <param name="adapterName">Which adapter to save.</param>
    /// <param name="template">Fields to carry over (base_model_name_or_path, task_type, unknown fields…); the adapter's own fields are set from the layers.
    /// Without one, the config of a loaded adapter is the template.</param>
    /// <param name="dtype">The stored dtype: F32 (PEFT's usual), F16, BF16 or F64.</param>
    /// <returns>The config written.</returns>
    public static PeftAdapterConfig SaveAdapter(
        this Module model, string directory, string adapterName = LinearAdapterExtensions.DefaultName,
        PeftAdapterConfig? template = null, SafetensorsDType dtype = SafetensorsDType.F32)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = new List<(string Path, object Adapter)>();
        foreach (var (path, module) in model.NamedModules())
        {
            if (module is Linear<float> single && single.Adapters.TryGet(adapterName, out var a))
            {
                layers.Add((path, a));
            }
            else if (module is Linear<double> wide && wide.Adapters.TryGet(adapterName, out var b))
            {
                layers.Add((path, b));
            }
            else if (module is Embedding<float> { Adapter: { } e } && e.Name == adapterName)
            {
                layers.Add((path, e));
            }
            else if (module is Embedding<double> { Adapter: { } f } && f.Name == adapterName)
            {
                layers.Add((path, f));
            }
        }

        if (layers.Count == 0)
        {
            throw new InvalidOperationException($"The model has no layer with an adapter named '{adapterName}'.");
        }

        var applied = AppliedAdapters.Find(model, adapterName);
        var builder = new PeftAdapterConfigBuilder(template ?? applied?.Template);
        builder.GivenTargets = applied is not null && TargetsExactly(model, applied.TargetModules, layers.Select(l => l.Path)) ? applied.TargetModules : null;
        var tensors = new List<SafetensorsTensor>();
        var toSave = PeftModulesToSave.Collect(model, adapterName, dtype, tensors);
        builder.ModulesToSave = toSave.Count == 0 ? null : applied?.ModulesToSave ?? toSave;
        foreach (var (path, adapter) in layers)
        {
            switch (adapter)
            {
                case Adapter<float> single:
                    Collect(path, single, builder, tensors, dtype);
                    break;
                case Adapter<double> wide:
                    Collect(path, wide, builder, tensors, dtype);
                    break;
                case EmbeddingLoRAAdapter<float> table:
                    CollectEmbedding(path, table, builder, tensors, dtype);
                    break;
                case EmbeddingLoRAAdapter<double> table:
                    CollectEmbedding(path, table, builder, tensors, dtype);
                    break;
            }
        }

        var config = builder.Build();
        PeftAdapterDirectory.Write(directory, config, tensors);
        return config;
    }

    /// <summary>
    /// Whether the <c>target_modules</c> the user gave select exactly the adapted layers, so that PEFT, applying
    /// them to the same model, builds the same layers (and no layer without weights).
    /// </summary>
    private static bool TargetsExactly(Module model, PeftTargetModules given, IEnumerable<string> adapted)
    {
        var paths = adapted.ToHashSet(StringComparer.Ordinal);
        return paths.All(given.Matches) && model.NamedModules().All(m =>
            paths.Contains(m.Key) || m.Value is not (Linear<float> or Linear<double> or Embedding<float> or Embedding<double>)
            || !given.Matches(m.Key) || PeftModulesToSave.IsInside(model, m.Key));
    }

    /// <summary>The parameters of the adapter modules named <paramref name="adapterName"/> (LoRA, MoRA, embedding LoRA).</summary>
    private static IEnumerable<Parameter> AdapterParameters(Module model, string adapterName)
    {
        foreach (var (_, module) in model.NamedModules())
        {
            var owned = module switch
            {
                Adapter<float> a when a.Name == adapterName => a.AdapterParameters,
                Adapter<double> a when a.Name == adapterName => a.AdapterParameters,
                EmbeddingLoRAAdapter<float> e when e.Name == adapterName => e.OwnParameters,
                EmbeddingLoRAAdapter<double> e when e.Name == adapterName => e.OwnParameters,
                _ => (IEnumerable<Parameter>)[],
            };
            foreach (var parameter in owned)
            {
                yield return parameter;
            }
        }
    }

    /// <summary>Asks the adapter for its config fields and its tensors (those it owns; see <see cref="Adapter{T}.PeftTensors"/>).</summary>
    private static void Collect<T>(string path, Adapter<T> adapter, PeftAdapterConfigBuilder builder, List<SafetensorsTensor> tensors, SafetensorsDType dtype)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        adapter.AddPeftConfig(path, builder);
        tensors.AddRange(adapter.PeftFileTensors(path, dtype));
    }

    /// <summary>An embedding adapter counts as a LoRA layer of the config; its tensors go under PEFT's ParameterDict keys.</summary>
    private static void CollectEmbedding<T>(string path, EmbeddingLoRAAdapter<T> adapter, PeftAdapterConfigBuilder builder, List<SafetensorsTensor> tensors, SafetensorsDType dtype)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        builder.AddLoRA(path, adapter.Options);
        tensors.Add(SafetensorsTensor.FromValues<T>(PeftKeys.LoRAEmbeddingA(path), adapter.A.Shape, adapter.A.Value, dtype));
        tensors.Add(SafetensorsTensor.FromValues<T>(PeftKeys.LoRAEmbeddingB(path), adapter.B.Shape, adapter.B.Value, dtype));
    }
}
