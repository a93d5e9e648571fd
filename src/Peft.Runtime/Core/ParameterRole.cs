namespace Peft;

/// <summary>
/// What a parameter is for. Optimizers use it to build parameter groups
/// (for example LoRA+ puts <see cref="LoRAB"/> and every trainable 1-D parameter at <c>lr·ratio</c>)
/// and to skip weight decay on biases and norm weights.
/// </summary>
public enum ParameterRole
{
    /// <summary>A dense weight matrix of a base layer (for <c>Linear</c>: <c>[out, in]</c>).</summary>
    Weight,

    /// <summary>A bias vector.</summary>
    Bias,

    /// <summary>The scale (or shift) of a normalization layer.</summary>
    NormWeight,

    /// <summary>The table of an embedding layer.</summary>
    EmbeddingWeight,

    /// <summary>LoRA's down projection <c>A ∈ R^{r×in}</c> (PEFT key <c>lora_A.weight</c>).</summary>
    LoRAA,

    /// <summary>LoRA's up projection <c>B ∈ R^{out×r}</c> (PEFT key <c>lora_B.weight</c>).</summary>
    LoRAB,

    /// <summary>A LoRA adapter of an embedding layer (LoRA+ gives it <c>lr_embedding</c>).</summary>
    LoRAEmbedding,

    /// <summary>MoRA's square matrix <c>M ∈ R^{r̂×r̂}</c>.</summary>
    MoRAM,

    /// <summary>DoRA's magnitude vector <c>m ∈ R^{out}</c> (PEFT key <c>lora_magnitude_vector.weight</c>).</summary>
    DoRAMagnitude,

    /// <summary>AdaLoRA's singular values <c>E ∈ R^{r×1}</c> (PEFT key <c>lora_E</c>).</summary>
    AdaLoRAE,
    /// <summary>VeRA's trained scaling vectors <c>λ_b ∈ R^{out}</c> and <c>λ_d ∈ R^r</c> (PEFT keys <c>vera_lambda_b</c> / <c>vera_lambda_d</c>).</summary>
    VeRALambda,

    /// <summary>IA³'s scaling vector <c>l</c> (PEFT key <c>ia3_l</c>, <c>[out, 1]</c> or <c>[1, in]</c> on a feed-forward layer).</summary>
    IA3Scale,

    /// <summary>A LoHa factor (<c>hada_w1_a</c>, <c>hada_w1_b</c>, <c>hada_w2_a</c>, <c>hada_w2_b</c>).</summary>
    LoHaFactor,

    /// <summary>A LoKr factor (<c>lokr_w1</c>, <c>lokr_w2</c>, or their low-rank halves <c>lokr_w1_a</c> … <c>lokr_w2_b</c>).</summary>
    LoKrFactor,
}
