namespace Peft.IO;

/// <summary>
/// The adapter tensors of one module in an adapter file: <c>lora_A</c> <c>[r, in]</c> and <c>lora_B</c>
/// <c>[out, r]</c>, or for MoRA the square M (stored under both keys); for an embedding adapter
/// (<see cref="IsEmbedding"/>) <c>lora_embedding_A</c> <c>[r, num]</c> and <c>lora_embedding_B</c> <c>[dim, r]</c>.
/// </summary>
public sealed class PeftModuleTensors
{
    internal PeftModuleTensors(string modulePath, SafetensorsTensorInfo a, SafetensorsTensorInfo b, bool isEmbedding = false)
    {
        ModulePath = modulePath;
        A = a;
        B = b;
        IsEmbedding = isEmbedding;
    }

    /// <summary>Whether these are an embedding adapter's <c>lora_embedding_A/B</c> (PEFT's <c>lora.Embedding</c>).</summary>
    public bool IsEmbedding { get; }

    /// <summary>The module path inside the model (<c>encoder.layers.0.q_proj</c>).</summary>
    public string ModulePath { get; }

    /// <summary>The <c>lora_A.weight</c> (or <c>lora_embedding_A</c>) tensor.</summary>
    public SafetensorsTensorInfo A { get; }

    /// <summary>The <c>lora_B.weight</c> (or <c>lora_embedding_B</c>) tensor.</summary>
    public SafetensorsTensorInfo B { get; }

    /// <summary>LoRA's r (rows of A); for MoRA, r̂.</summary>
    public int Rank => (int)A.Shape[0];

    /// <summary>LoRA's input width (columns of A); for an embedding, the number of rows of the table.</summary>
    public int InFeatures => (int)A.Shape[1];

    /// <summary>LoRA's output width (rows of B); for an embedding, the row width.</summary>
    public int OutFeatures => (int)B.Shape[0];
}
