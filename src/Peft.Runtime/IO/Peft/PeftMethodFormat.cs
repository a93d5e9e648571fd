using System.Numerics;

namespace Peft.IO;

/// <summary>
/// How one adapter method reads a PEFT adapter directory: which configs it owns, how a module's tensors load
/// into a layer and how they fold into a base weight. Saving asks the adapter itself
/// (<see cref="Adapter{T}.PeftTensors"/>, <see cref="Adapter{T}.AddPeftConfig"/>). Each method's format lives
/// in its folder (<c>Methods/&lt;method&gt;/…PeftFormat.cs</c>) and is registered in <see cref="All"/>.
/// </summary>
internal abstract class PeftMethodFormat
{
    /// <summary>Every registered format; exactly one reads any given config.</summary>
    public static IReadOnlyList<PeftMethodFormat> All { get; } = [LoRAPeftFormat.Instance, MoRAPeftFormat.Instance, DoRAPeftFormat.Instance];

    /// <summary>The method's name in messages.</summary>
    public abstract string Name { get; }

    /// <summary>Whether this method owns adapters with this config.</summary>
    public abstract bool Reads(PeftAdapterConfig config);

    /// <summary>
    /// Whether <paramref name="key"/> is a per-module tensor this method reads beside <c>lora_A</c> / <c>lora_B</c>
    /// (DoRA's <c>lora_magnitude_vector.weight</c>); such tensors are not "other" tensors of the file. None by default.
    /// </summary>
    public virtual bool ReadsModuleTensor(string key) => false;

    /// <summary>Loads one module's tensors into <paramref name="layer"/>'s adapter <paramref name="adapterName"/> (attaching one when absent).</summary>
    public abstract void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>Adds the module's <c>ΔW</c> to the base weight <paramref name="w"/> (<c>[out, in]</c>, or <c>[in, out]</c> with <c>fan_in_fan_out</c>).</summary>
    public abstract void AddDelta(double[] w, int outFeatures, int inFeatures, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight);

    /// <summary>
    /// Loads one module's <c>lora_embedding_A/B</c> into <paramref name="embedding"/>'s adapter (attaching one when absent).
    /// Only methods PEFT defines on <c>nn.Embedding</c> override it; the default rejects the module.
    /// </summary>
    public virtual void LoadEmbedding<T>(Embedding<T> embedding, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        throw NoEmbeddings(adapter, module);

    /// <summary>Adds an embedding module's <c>ΔW</c> to the base table <paramref name="w"/> (<c>[num, dim]</c>); the default rejects it.</summary>
    public virtual void AddEmbeddingDelta(double[] w, int num, int dim, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight) =>
        throw NoEmbeddings(adapter, module);

    /// <summary>The one format that reads <paramref name="config"/>.</summary>
    /// <exception cref="InvalidDataException">No registered method reads it.</exception>
    public static PeftMethodFormat For(PeftAdapterConfig config, string source)
    {
        foreach (var format in All)
        {
            if (format.Reads(config))
            {
                return format;
            }
        }

        throw new InvalidDataException($"{source}: no adapter method reads peft_type '{config.PeftType}' (known: {string.Join(", ", All.Select(f => f.Name))}).");
    }

    /// <summary>Attaches an adapter; options the file implies but the layer rejects become file errors.</summary>
    protected static TAdapter Attach<TAdapter>(string source, string path, Func<TAdapter> attach)
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

    private InvalidDataException NoEmbeddings(PeftAdapterDirectory adapter, PeftModuleTensors module) =>
        new($"{adapter.Weights.Source}: module '{module.ModulePath}' holds embedding tensors ('{module.A.Name}'), but {Name} adapters do not apply to embeddings.");

    /// <summary>The error for a layer whose existing adapter of that name is not what the file holds.</summary>
    protected static InvalidDataException Mismatch(string source, string path, string name, string existing, string file) =>
        new($"{source}: layer '{path}' already has adapter '{name}' ({existing}), but the file holds {file}.");
}
