namespace Peft;

/// <summary>
/// Adds a VeRA adapter to the annotated layer (PEFT's <c>VeraConfig</c>):
/// <c>y = W0·x + λ_b ⊙ (B·(λ_d ⊙ (A·x)))</c>, where the frozen random projections <c>A</c> (<c>vera_A</c>) and <c>B</c>
/// (<c>vera_B</c>) are shared by every VeRA layer of the model, sized to its largest layer and seeded with
/// <see cref="ProjectionPrngKey"/> exactly as PEFT seeds them; only <c>λ_d ∈ R^r</c> and <c>λ_b ∈ R^out</c> train.
/// All VeRA layers of a model take one <see cref="Rank"/> and one key (analyzer PEFT0022).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class VeRAAttribute : Attribute
{
    /// <summary>The rank r (at least 1, the same on every VeRA layer of the model). PEFT's default is 256.</summary>
    public int Rank { get; set; } = Methods.VeRAMethod.DefaultRank;

    /// <summary>PEFT's <c>projection_prng_key</c>: the seed of the shared projections (the same on every VeRA layer).</summary>
    public int ProjectionPrngKey { get; set; }

    /// <summary>PEFT's <c>save_projection</c>: write <c>vera_A</c> / <c>vera_B</c> into the adapter file (the default).</summary>
    public bool SaveProjection { get; set; } = true;

    /// <summary>PEFT's <c>vera_dropout</c>: dropout probability on the adapter's input, in [0, 1).</summary>
    public double Dropout { get; set; }

    /// <summary>PEFT's <c>d_initial</c>: the initial value of every entry of λ_d (λ_b starts at zero).</summary>
    public double DInitial { get; set; } = Methods.VeRAMethod.DefaultDInitial;
}
