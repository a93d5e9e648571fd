namespace Peft.Methods;

/// <summary>
/// VeRA's shared description (Kopiczko, Blankevoort, Asano 2024, "VeRA: Vector-based Random Matrix Adaptation",
/// arXiv 2310.11454; PEFT's <c>VeraConfig</c>): <c>y = W0·x + λ_b ⊙ (B·(λ_d ⊙ (A·x)))</c> with frozen random
/// projections <c>A ∈ R^{r×in_max}</c>, <c>B ∈ R^{out_max×r}</c> shared by every adapted layer (sliced to the layer)
/// and trained vectors <c>λ_d ∈ R^r</c>, <c>λ_b ∈ R^out</c>. One rank and one projection key serve all layers of a
/// model (PEFT0022); r may exceed the layer's width (it only lengthens λ_d).
/// </summary>
internal static class VeRAMethod
{
    /// <summary>PEFT's <c>r</c> default (VeRA wants far larger ranks than LoRA).</summary>
    public const int DefaultRank = 256;

    /// <summary>PEFT's <c>d_initial</c>: λ_d starts at this value everywhere.</summary>
    public const double DefaultDInitial = 0.1;

    public static readonly AdapterArgument Rank = AdapterMethods.Rank(DefaultRank);

    public static readonly AdapterArgument ProjectionPrngKey =
        new("ProjectionPrngKey", AdapterArgumentKind.Int32, 0, "any int", null, AdapterArgument.Any);

    public static readonly AdapterArgument Dropout =
        new("Dropout", AdapterArgumentKind.Double, 0, "in [0, 1)", AdapterMethods.InvalidDropoutId, static p => p >= 0 && p < 1);

    public static readonly AdapterArgument DInitial =
        new("DInitial", AdapterArgumentKind.Double, DefaultDInitial, "finite", AdapterMethods.InvalidAlphaId, AdapterArgument.IsFinite);

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.VeRA,
        "VeRA",
        "VeRA",
        ["Linear"],
        [Rank, ProjectionPrngKey, new("SaveProjection", AdapterArgumentKind.Boolean, 1, "true or false", null, AdapterArgument.Any), Dropout, DInitial],
        static (_, _, _) => true,
        rankIsInnerDimension: false);
}
