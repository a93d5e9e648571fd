namespace Peft;

/// <summary>
/// Adds a LoKr adapter to the annotated layer (PEFT's <c>LoKrConfig</c>): <c>y = W0·x + s·(W1 ⊗ W2)·x</c>,
/// <c>s = Alpha/Rank</c>, the widths split as PEFT's <c>factorization</c> does (see <see cref="LoKrShape"/>). The
/// source generator emits the layer's kernel; analyzers check the values (a positive <see cref="DecomposeFactor"/>
/// must divide the layer's widths).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class LoKrAttribute : Attribute
{
    /// <summary>The rank r of the decomposed factors (at least 1). PEFT's default is 8.</summary>
    public int Rank { get; set; } = Methods.LoKrMethod.DefaultRank;

    /// <summary>α, the numerator of the scale; any finite value. PEFT's default is 8.</summary>
    public double Alpha { get; set; } = Methods.LoRAMethod.DefaultAlpha;

    /// <summary>Probability of dropping an output row of ΔW in training, in [0, 1).</summary>
    public double RankDropout { get; set; }

    /// <summary>Probability of skipping the adapter in a training forward, in [0, 1).</summary>
    public double ModuleDropout { get; set; }

    /// <summary>Divide the kept rows by the kept fraction under rank dropout.</summary>
    public bool RankDropoutScale { get; set; }

    /// <summary>Decompose W1 too when the rank is small.</summary>
    public bool DecomposeBoth { get; set; }

    /// <summary>−1 (split near √width) or a factor dividing both widths.</summary>
    public int DecomposeFactor { get; set; } = Methods.LoKrMethod.DefaultFactor;

    /// <summary>How the factors start.</summary>
    public LoKrInit Init { get; set; } = LoKrInit.Default;
}
