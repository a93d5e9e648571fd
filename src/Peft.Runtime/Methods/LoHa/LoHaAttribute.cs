namespace Peft;

/// <summary>
/// Adds a LoHa adapter to the annotated layer (PEFT's <c>LoHaConfig</c>): <c>y = W0·x + s·((W1a·W1b) ⊙ (W2a·W2b))·x</c>,
/// <c>W1a, W2a ∈ R^{out×r}</c>, <c>W1b, W2b ∈ R^{r×in}</c>, <c>s = Alpha/Rank</c>. The source generator emits the layer's
/// kernel; analyzers check the values.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class LoHaAttribute : Attribute
{
    /// <summary>The rank r of each factor pair (at least 1). PEFT's default is 8.</summary>
    public int Rank { get; set; } = Methods.LoHaMethod.DefaultRank;

    /// <summary>α, the numerator of the scale; any finite value. PEFT's default is 8.</summary>
    public double Alpha { get; set; } = Methods.LoRAMethod.DefaultAlpha;

    /// <summary>Probability of dropping an output row of ΔW in training, in [0, 1).</summary>
    public double RankDropout { get; set; }

    /// <summary>Probability of skipping the adapter in a training forward, in [0, 1).</summary>
    public double ModuleDropout { get; set; }

    /// <summary>PEFT's <c>init_weights</c>: true starts with W2b = 0 (ΔW = 0).</summary>
    public bool InitWeights { get; set; } = true;
}
