namespace Peft;

/// <summary>
/// Adds a MoRA adapter (Jiang et al. 2024): one square trainable matrix <c>M ∈ R^{r̂×r̂}</c> with
/// <c>r̂ = ⌊√((in+out)·Rank) + 0.5⌋</c> (even for <see cref="MoRAType.RoPE"/>) between
/// non-parametric compression and decompression. M starts at zero; there is no α.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MoRAAttribute : Attribute
{
    /// <summary>The LoRA rank whose parameter budget MoRA matches (at least 1).</summary>
    public int Rank { get; set; } = Methods.MoRAMethod.DefaultRank;

    /// <summary>The compression / decompression operators.</summary>
    public MoRAType Type { get; set; } = MoRAType.Sharing;

    /// <inheritdoc cref="LoRAAttribute.TargetModules"/>
    public string[]? TargetModules { get; set; }
}
