using System;

namespace Peft.Methods;

/// <summary>
/// LoRA's shared description and arithmetic (compiled into the runtime, the generator and the analyzers):
/// defaults and valid ranges of <c>[LoRA]</c>, and the scale <c>s = α/r</c> (rsLoRA <c>α/√r</c>).
/// </summary>
internal static class LoRAMethod
{
    public const int DefaultRank = 8;

    /// <summary>PEFT's <c>lora_alpha</c> default.</summary>
    public const double DefaultAlpha = 8;

    /// <summary><c>Peft.LoRAInit.KaimingUniform</c>.</summary>
    public const int KaimingUniformInit = 0;

    /// <summary><c>Peft.LoRAInit.Gaussian</c>.</summary>
    public const int GaussianInit = 1;

    /// <summary>
    /// α: PEFT accepts any value (only r is checked), so any finite α is valid here too — zero switches the
    /// adapter's output off and a negative α flips its sign, both legal in PEFT; NaN and ±∞ poison every output.
    /// </summary>
    public static readonly AdapterArgument Alpha =
        new("Alpha", AdapterArgumentKind.Double, DefaultAlpha, "finite", AdapterMethods.InvalidAlphaId, AdapterArgument.IsFinite);

    /// <summary>The LoRA arguments LoRA+ shares: rank and α.</summary>
    public static readonly AdapterArgument Rank = AdapterMethods.Rank(DefaultRank);

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.LoRA,
        "LoRA",
        "LoRA",
        ["Linear"],
        [
            Rank,
            Alpha,
            new("UseRsLoRA", AdapterArgumentKind.Boolean, 0, "true or false", null, AdapterArgument.Any),
            new("Dropout", AdapterArgumentKind.Double, 0, "in [0, 1)", AdapterMethods.InvalidDropoutId, static p => p >= 0 && p < 1),
            new("Init", AdapterArgumentKind.Enum, KaimingUniformInit, "a LoRAInit member", AdapterMethods.UnknownLoRAInitId,
                static init => init is KaimingUniformInit or GaussianInit),
        ],
        FitsShape,
        rankIsInnerDimension: true);

    /// <summary>LoRA's scale: <c>α/r</c>, or <c>α/√r</c> with rsLoRA. The one place this formula lives.</summary>
    public static double Scale(double alpha, int rank, bool useRsLoRA) =>
        useRsLoRA ? alpha / Math.Sqrt(rank) : alpha / rank;

    /// <summary>A LoRA rank fits an <c>in → out</c> layer when <c>r ≤ min(in, out)</c> (B·A has rank at most that).</summary>
    public static bool FitsShape(int rank, int inFeatures, int outFeatures) => rank <= Math.Min(inFeatures, outFeatures);

    /// <summary>The shape rule of every method built on B·A (LoRA, LoRA+, DoRA): <c>r ≤ min(in, out)</c>.</summary>
    public static bool FitsShape(Func<string, double> argument, int inFeatures, int outFeatures) =>
        FitsShape((int)argument(Rank.Name), inFeatures, outFeatures);
}
