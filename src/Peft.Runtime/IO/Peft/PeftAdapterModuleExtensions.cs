using System.Numerics;

namespace Peft.IO;

/// <summary>
/// Loads PEFT adapter directories into a <see cref="Module"/> and saves its adapters as one, matching
/// modules by path: the file key <c>base_model.model.&lt;path&gt;.lora_A.weight</c> targets the
/// <see cref="Linear{T}"/> at <c>&lt;path&gt;</c>.
/// </summary>
public static class PeftAdapterModuleExtensions
{
    /// <summary>
    /// Loads the adapter in <paramref name="directory"/> as the adapter <paramref name="adapterName"/> of
    /// every targeted layer. A layer that already has an adapter of that name (for example one the source
    /// generator attached) receives the values when its kind, rank and scale match; otherwise a runtime
    /// adapter is attached. Values are converted from the file's dtype to the layer's element type.
    /// </summary>
    /// <returns>The adapter's config.</returns>
    /// <exception cref="InvalidDataException">The directory is invalid, a path has no <c>Linear</c>, or shapes disagree.</exception>
    public static PeftAdapterConfig LoadAdapter(this Module model, string directory, string adapterName = LinearAdapterExtensions.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(adapterName);
        using var adapter = PeftAdapterDirectory.Open(directory);
        if (adapter.OtherTensors.Count > 0)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: tensors other than lora_A / lora_B weights are not supported (first: '{adapter.OtherTensors[0]}').");
        }

        foreach (var module in adapter.Modules)
        {
            switch (model.FindModule(module.ModulePath))
            {
                case Linear<float> layer:
                    Load(layer, module, adapter, adapterName);
                    break;
                case Linear<double> layer:
                    Load(layer, module, adapter, adapterName);
                    break;
                case null:
                    throw new InvalidDataException($"{adapter.Weights.Source}: the model has no module at '{module.ModulePath}'.");
                case var other:
                    throw new InvalidDataException(
                        $"{adapter.Weights.Source}: module '{module.ModulePath}' is a {other.GetType().Name}; adapters load into Linear layers.");
            }
        }

        return adapter.Config;
    }

    /// <summary>
    /// Saves the adapter <paramref name="adapterName"/> of every layer that has one as a PEFT adapter
    /// directory (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>, each written atomically).
    /// LoRA and LoRA+ adapters are written as PEFT LoRA (ranks or α that differ between layers go to
    /// <c>rank_pattern</c> / <c>alpha_pattern</c>); MoRA adapters in the official MoRA format.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="directory">The output folder (created if needed).</param>
    /// <param name="adapterName">Which adapter to save.</param>
    /// <param name="template">Fields to carry over (base_model_name_or_path, task_type, unknown fields…); the adapter's own fields are set from the layers.</param>
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
        }

        if (layers.Count == 0)
        {
            throw new InvalidOperationException($"The model has no layer with an adapter named '{adapterName}'.");
        }

        var builder = new PeftAdapterConfigBuilder(template);
        var tensors = new List<SafetensorsTensor>();
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
            }
        }

        var config = builder.Build();
        PeftAdapterDirectory.Write(directory, config, tensors);
        return config;
    }

    private static void Collect<T>(string path, Adapter<T> adapter, PeftAdapterConfigBuilder builder, List<SafetensorsTensor> tensors, SafetensorsDType dtype)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (adapter)
        {
            case LoRAAdapter<T> lora:
                builder.AddLoRA(path, lora.Options);
                tensors.Add(SafetensorsTensor.FromValues<T>(PeftKeys.LoRAA(path), lora.A.Shape, lora.A.Value, dtype));
                tensors.Add(SafetensorsTensor.FromValues<T>(PeftKeys.LoRAB(path), lora.B.Shape, lora.B.Value, dtype));
                break;
            case MoRAAdapter<T> mora:
                builder.AddMoRA(path, mora.Options);
                // The official MoRA fork aliases lora_B to lora_A: M is written under both keys.
                tensors.Add(SafetensorsTensor.FromValues<T>(PeftKeys.LoRAA(path), mora.M.Shape, mora.M.Value, dtype));
                tensors.Add(SafetensorsTensor.FromValues<T>(PeftKeys.LoRAB(path), mora.M.Shape, mora.M.Value, dtype));
                break;
            default:
                throw new NotSupportedException($"Layer '{path}': adapter kind {adapter.GetType().Name} has no PEFT format.");
        }
    }

    private static void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var config = adapter.Config;
        if (config.IsMoRA)
        {
            LoadMoRA(layer, module, adapter, adapterName);
            return;
        }

        if (module.InFeatures != layer.InFeatures || module.OutFeatures != layer.OutFeatures)
        {
            throw new InvalidDataException(
                $"{source}: module '{path}' has lora_A {module.A.ShapeText} and lora_B {module.B.ShapeText}, which do not fit Linear [{layer.OutFeatures}, {layer.InFeatures}] (expected [r, {layer.InFeatures}] and [{layer.OutFeatures}, r]).");
        }

        var options = new LoRAOptions
        {
            Rank = module.Rank,
            Alpha = config.AlphaFor(path),
            UseRsLoRA = config.UseRsLora,
            Dropout = config.LoraDropout,
            Init = config.InitLoraWeights == "gaussian" ? LoRAInit.Gaussian : LoRAInit.KaimingUniform,
        };
        LoRAAdapter<T> lora;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            lora = existing as LoRAAdapter<T> ?? throw Mismatch(source, path, adapterName, existing.GetType().Name, "LoRA");
            if (lora.Rank != module.Rank || Math.Abs(lora.Options.Scale - options.Scale) > 1e-12 * Math.Abs(options.Scale))
            {
                throw Mismatch(source, path, adapterName, $"LoRA rank {lora.Rank}, scale {lora.Options.Scale}", $"LoRA rank {module.Rank}, scale {options.Scale}");
            }
        }
        else
        {
            lora = Attach(source, path, () => layer.AttachLoRA(adapterName, options));
        }

        adapter.Weights.ReadValues<T>(module.A.Name, lora.A.Value);
        adapter.Weights.ReadValues<T>(module.B.Name, lora.B.Value);
    }

    private static void LoadMoRA<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var type = adapter.Config.GetMoRAType();
        int rank = adapter.Config.RankFor(path);
        int squareRank = MoRAShape.ComputeSquareRank(layer.InFeatures, layer.OutFeatures, rank, type);
        if (squareRank != module.Rank)
        {
            throw new InvalidDataException(
                $"{source}: MoRA module '{path}' stores M {module.A.ShapeText}, but r = {rank} on Linear [{layer.OutFeatures}, {layer.InFeatures}] gives r̂ = {squareRank} ({type}).");
        }

        var m = adapter.Weights.ReadValues<T>(module.A.Name);
        var mB = adapter.Weights.ReadValues<T>(module.B.Name);
        if (!m.AsSpan().SequenceEqual(mB))
        {
            throw new InvalidDataException(
                $"{source}: MoRA module '{path}' has different lora_A and lora_B; the official format stores the same M under both keys.");
        }

        MoRAAdapter<T> mora;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            mora = existing as MoRAAdapter<T> ?? throw Mismatch(source, path, adapterName, existing.GetType().Name, "MoRA");
            if (mora.SquareRank != squareRank || mora.Options.Type != type)
            {
                throw Mismatch(source, path, adapterName, $"MoRA {mora.Options.Type} r̂ {mora.SquareRank}", $"MoRA {type} r̂ {squareRank}");
            }
        }
        else
        {
            mora = Attach(source, path, () => layer.AttachMoRA(adapterName, new MoRAOptions { Rank = rank, Type = type }));
        }

        m.CopyTo(mora.M.Value, 0);
    }

    /// <summary>Attaches an adapter; options the file implies but the layer rejects become file errors.</summary>
    private static TAdapter Attach<TAdapter>(string source, string path, Func<TAdapter> attach)
    {
        try
        {
            return attach();
        }
        catch (ArgumentException exception)
        {
            throw new InvalidDataException($"{source}: module '{path}': {exception.Message}", exception);
        }
    }

    private static InvalidDataException Mismatch(string source, string path, string name, string existing, string file) =>
        new($"{source}: layer '{path}' already has adapter '{name}' ({existing}), but the file holds {file}.");
}
