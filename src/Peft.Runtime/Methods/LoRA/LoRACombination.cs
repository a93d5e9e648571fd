namespace Peft;

/// <summary>How <see cref="LinearAdapters{T}.AddWeighted"/> combines LoRA adapters (PEFT's <c>combination_type</c>).</summary>
public enum LoRACombination
{
    /// <summary>
    /// Same rank r: <c>A = Σ √(wᵢ·sᵢ)·Aᵢ</c>, <c>B = Σ √(wᵢ·sᵢ)·Bᵢ</c>, scale 1. Cheap, not equal to
    /// <c>Σ wᵢ·ΔWᵢ</c> (cross terms), as in PEFT.
    /// </summary>
    Linear,

    /// <summary>
    /// Ranks add: <c>A = [w₁s₁A₁; w₂s₂A₂; …]</c> (rows), <c>B = [B₁ B₂ …]</c> (columns), scale 1, so
    /// <c>ΔW = Σ wᵢ·sᵢ·Bᵢ·Aᵢ</c> exactly (PEFT's <c>"cat"</c>).
    /// </summary>
    Concatenation,
}
