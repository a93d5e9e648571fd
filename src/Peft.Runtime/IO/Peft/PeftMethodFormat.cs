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
    public static IReadOnlyList<PeftMethodFormat> All { get; } = [LoRAPeftFormat.Instance, MoRAPeftFormat.Instance, DoRAPeftFormat.Instance, AdaLoRAPeftFormat.Instance, VeRAPeftFormat.Instance, IA3PeftFormat.Instance, LoHaPeftFormat.Instance, LoKrPeftFormat.Instance];

    /// <summary>The method's name in messages.</summary>
    public abstract string Name { get; }

    /// <summary>Whether this method owns adapters with this config.</summary>
    public abstract bool Reads(PeftAdapterConfig config);

    /// <summary>
    /// The per-module tensors this method stores (by name after <c>base_model.model.&lt;module path&gt;.</c>): the adapter
    /// directory groups every key ending in one of these names by module path into a <see cref="PeftModuleTensors"/>.
    /// </summary>
    public abstract IReadOnlyList<PeftModuleTensorName> ModuleTensors { get; }

    /// <summary>
    /// Tensors stored once for the whole adapter, at exactly these keys (VeRA's shared projections
    /// <c>base_model.vera_A</c> / <c>base_model.vera_B</c>). None by default.
    /// </summary>
    public virtual IReadOnlyList<string> SharedTensorKeys => [];

    /// <summary>
    /// The fields <see cref="PeftAdapterConfig"/> models (LoRA's) that this method's PEFT config class does not have
    /// (VeRA has no <c>lora_alpha</c>); <see cref="PeftAdapterConfig.ToJson"/> leaves them out, so the file holds the
    /// fields PEFT writes for the method. None by default.
    /// </summary>
    public virtual IReadOnlyCollection<string> AbsentConfigKeys => [];

    /// <summary>Whether the per-module tensor <paramref name="name"/> belongs to an embedding adapter (LoRA's <c>lora_embedding_A/B</c>). None by default.</summary>
    public virtual bool IsEmbeddingTensor(string name) => false;

    /// <summary>
    /// Checks one module's grouped tensors when the directory opens: every tensor the method needs is there, and their shapes
    /// agree with each other and with the config. Errors name the file, the module, the keys and the shapes.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or shapes disagree.</exception>
    public abstract void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config);

    /// <summary>
    /// Checks the shared tensors (<see cref="SharedTensorKeys"/>, those present) against the config and the modules once
    /// every module is grouped and checked. Nothing to check by default.
    /// </summary>
    /// <exception cref="InvalidDataException">A shared tensor is missing or does not fit the modules.</exception>
    public virtual void CheckShared(string source, IReadOnlyDictionary<string, SafetensorsTensorInfo> shared, IReadOnlyList<PeftModuleTensors> modules, PeftAdapterConfig config)
    {
    }

    /// <summary>The method and its adapter-wide settings in one line (<c>peft inspect</c>): by default the method's name.</summary>
    public virtual string Describe(PeftAdapterConfig config) => $"method: {Name}";

    /// <summary>One module in one line (<c>peft inspect</c>): by default its tensors' names and shapes.</summary>
    public virtual string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config) =>
        $"  module {module.ModulePath}: {string.Join(", ", module.Tensors.Select(t => $"{t.Key} {t.Value.ShapeText}"))}";

    /// <summary>
    /// Called once before the modules of <paramref name="adapter"/> load into <paramref name="model"/>, for state that spans
    /// modules (VeRA without saved projections draws them sized to the model's largest targeted layer). Nothing by default.
    /// </summary>
    public virtual void BeginLoad(Module model, PeftAdapterDirectory adapter)
    {
    }

    /// <summary>Loads one module's tensors into <paramref name="layer"/>'s adapter <paramref name="adapterName"/> (attaching one when absent).</summary>
    public abstract void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>Adds the module's <c>ΔW</c> to the base weight <paramref name="w"/> (<c>[out, in]</c>, or <c>[in, out]</c> with <c>fan_in_fan_out</c>).</summary>
    public abstract void AddDelta(double[] w, int outFeatures, int inFeatures, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight);

    /// <summary>
    /// What merging multiplies the module's base bias by, element by element (IA³ on the output: <c>b ← b ⊙ l</c>), or
    /// <see langword="null"/> (the default) when the bias stays as it is.
    /// </summary>
    public virtual double[]? BiasFactors(PeftModuleTensors module, PeftAdapterDirectory adapter) => null;

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

    /// <summary>The one format that reads <paramref name="config"/>, or <see langword="null"/> when none does.</summary>
    public static PeftMethodFormat? TryFor(PeftAdapterConfig config) => All.FirstOrDefault(format => format.Reads(config));

    /// <summary>The one format that reads <paramref name="config"/>.</summary>
    /// <exception cref="InvalidDataException">No registered method reads it.</exception>
    public static PeftMethodFormat For(PeftAdapterConfig config, string source)
    {
        return TryFor(config) ?? throw new InvalidDataException($"{source}: no adapter method reads peft_type '{config.PeftType}' (known: {string.Join(", ", All.Select(f => f.Name))}).");
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
        new($"{adapter.Weights.Source}: module '{module.ModulePath}' holds embedding tensors ('{string.Join("', '", module.Tensors.Values.Select(t => t.Name))}'), but {Name} adapters do not apply to embeddings.");

    /// <summary>The error for a layer whose existing adapter of that name is not what the file holds.</summary>
    protected static InvalidDataException Mismatch(string source, string path, string name, string existing, string file) =>
        new($"{source}: layer '{path}' already has adapter '{name}' ({existing}), but the file holds {file}.");
}
