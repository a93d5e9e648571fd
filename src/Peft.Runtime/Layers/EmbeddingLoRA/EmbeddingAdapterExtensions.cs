using System.Numerics;

namespace Peft;

/// <summary>Attaching LoRA to an <see cref="Embedding{T}"/> (PEFT's <c>lora_embedding_A/B</c>).</summary>
public static class EmbeddingAdapterExtensions
{
    /// <summary>
    /// Attaches a LoRA adapter named <paramref name="name"/> (a child module, so its parameters read
    /// <c>embed_tokens.default.lora_embedding_A</c>) and freezes the table when
    /// <see cref="AdapterOptions.FreezeBase"/>. <see cref="LoRAOptions.Dropout"/> and <see cref="LoRAOptions.Init"/>
    /// do not apply: as in PEFT, A starts at zero and B standard normal, and there is no dropout.
    /// </summary>
    /// <exception cref="ArgumentException">The rank is not positive, alpha is not finite, or the embedding already has an adapter.</exception>
    public static EmbeddingLoRAAdapter<T> AttachLoRA<T>(this Embedding<T> embedding, string name, LoRAOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var adapter = new EmbeddingLoRAAdapter<T>(embedding, name, options);
        embedding.SetAdapter(adapter);
        embedding.Weight.Trainable = !options.FreezeBase;
        return adapter;
    }
}
