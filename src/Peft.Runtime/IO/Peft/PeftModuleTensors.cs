namespace Peft.IO;

/// <summary>
/// The adapter tensors of one module in an adapter file, by their name after the module path (the names the
/// method's format owns, <see cref="PeftMethodFormat.ModuleTensors"/>): for LoRA <c>lora_A.weight</c> <c>[r, in]</c> and
/// <c>lora_B.weight</c> <c>[out, r]</c>, or for MoRA the square M (stored under both keys); for an embedding adapter
/// (<see cref="IsEmbedding"/>) <c>lora_embedding_A</c> <c>[r, num]</c> and <c>lora_embedding_B</c> <c>[dim, r]</c>; for
/// other methods their own names (VeRA's <c>vera_lambda_b</c> / <c>vera_lambda_d</c>, IA³'s <c>ia3_l</c>, …).
/// </summary>
public sealed class PeftModuleTensors
{
    private readonly SortedDictionary<string, SafetensorsTensorInfo> _tensors;

    internal PeftModuleTensors(string modulePath, SortedDictionary<string, SafetensorsTensorInfo> tensors, bool isEmbedding = false)
    {
        ModulePath = modulePath;
        _tensors = tensors;
        IsEmbedding = isEmbedding;
    }

    /// <summary>The name of LoRA's down projection after the module path.</summary>
    internal const string LoRAAName = "lora_A.weight";

    /// <summary>The name of LoRA's up projection after the module path.</summary>
    internal const string LoRABName = "lora_B.weight";

    /// <summary>The name of an embedding adapter's A after the module path.</summary>
    internal const string LoRAEmbeddingAName = "lora_embedding_A";

    /// <summary>The name of an embedding adapter's B after the module path.</summary>
    internal const string LoRAEmbeddingBName = "lora_embedding_B";

    /// <summary>Whether these are an embedding adapter's <c>lora_embedding_A/B</c> (PEFT's <c>lora.Embedding</c>).</summary>
    public bool IsEmbedding { get; }

    /// <summary>The module path inside the model (<c>encoder.layers.0.q_proj</c>).</summary>
    public string ModulePath { get; }

    /// <summary>The module's tensors by name after the module path (<c>lora_A.weight</c>, <c>vera_lambda_b</c>, …), in ordinal order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _tensors;

    /// <summary>The <c>lora_A.weight</c> (or <c>lora_embedding_A</c>) tensor of a LoRA-family module.</summary>
    /// <exception cref="InvalidOperationException">The module has no such tensor (another method's module).</exception>
    public SafetensorsTensorInfo A => Get(IsEmbedding ? LoRAEmbeddingAName : LoRAAName);

    /// <summary>The <c>lora_B.weight</c> (or <c>lora_embedding_B</c>) tensor of a LoRA-family module.</summary>
    /// <exception cref="InvalidOperationException">The module has no such tensor (another method's module).</exception>
    public SafetensorsTensorInfo B => Get(IsEmbedding ? LoRAEmbeddingBName : LoRABName);

    /// <summary>LoRA's r (rows of A); for MoRA, r̂.</summary>
    public int Rank => (int)A.Shape[0];

    /// <summary>LoRA's input width (columns of A); for an embedding, the number of rows of the table.</summary>
    public int InFeatures => (int)A.Shape[1];

    /// <summary>LoRA's output width (rows of B); for an embedding, the row width.</summary>
    public int OutFeatures => (int)B.Shape[0];

    /// <summary>Whether the module has the tensor <paramref name="name"/> (the key after the module path).</summary>
    public bool TryGet(string name, out SafetensorsTensorInfo tensor) => _tensors.TryGetValue(name, out tensor!);

    /// <summary>The tensor <paramref name="name"/> (the key after the module path).</summary>
    /// <exception cref="InvalidOperationException">The module has no such tensor.</exception>
    public SafetensorsTensorInfo Get(string name) => _tensors.TryGetValue(name, out var tensor)
        ? tensor
        : throw new InvalidOperationException(
            $"Module '{ModulePath}' has no tensor '{PeftKeys.Prefix}{ModulePath}.{name}' (it holds {string.Join(", ", _tensors.Keys)}).");
}
