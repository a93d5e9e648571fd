namespace Peft;

/// <summary>
/// A DoRA adapter (PEFT's <c>LoraConfig(use_dora=True)</c>): LoRA's rank, α, rsLoRA, dropout, init and seed, plus a
/// magnitude vector initialised to the row norms of the base weight. Valid values are LoRA's.
/// </summary>
public sealed record DoRAOptions : LoRAOptions
{
    /// <summary>PEFT wraps embeddings in DoRA too; this library's embedding adapters are plain LoRA, so DoRA rejects embeddings.</summary>
    internal override bool AppliesToEmbeddings => false;
}
