namespace Peft;

/// <summary>
/// Adds a DoRA adapter to the annotated layer (PEFT's <c>use_dora=True</c>):
/// <c>y = b + (m / ‖W0 + s·B·A‖_row) ⊙ (W0·x + s·B·(A·x))</c>, a trained magnitude <c>m</c> per output row over
/// LoRA's direction (<c>A ∈ R^{r×in}</c>, <c>B ∈ R^{out×r}</c>, <c>s = Alpha/Rank</c>, rsLoRA <c>Alpha/√Rank</c>).
/// The source generator emits the rank-specialized low-rank kernel for the layer; analyzers check the values.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DoRAAttribute : Attribute
{
    /// <summary>The rank r (at least 1, at most min(in, out)). PEFT's default is 8.</summary>
    public int Rank { get; set; } = Methods.LoRAMethod.DefaultRank;

    /// <summary>α, the numerator of the scale; any finite value, as in PEFT. PEFT's default is 8.</summary>
    public double Alpha { get; set; } = Methods.LoRAMethod.DefaultAlpha;

    /// <summary>Use rank-stabilised scaling <c>α/√r</c> instead of <c>α/r</c>.</summary>
    public bool UseRsLoRA { get; set; }

    /// <summary>Dropout probability on the adapter's input, in [0, 1).</summary>
    public double Dropout { get; set; }

    /// <summary>How A is initialised.</summary>
    public LoRAInit Init { get; set; } = LoRAInit.KaimingUniform;

    /// <inheritdoc cref="LoRAAttribute.TargetModules"/>
    public string[]? TargetModules { get; set; }
}
