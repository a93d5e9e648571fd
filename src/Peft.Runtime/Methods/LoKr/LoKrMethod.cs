using System;

namespace Peft.Methods;

/// <summary>
/// LoKr's shared description and arithmetic (PEFT's <c>tuners/lokr</c>, from LyCORIS): <c>ΔW = s·(W1 ⊗ W2)</c>,
/// <c>s = α/r</c>, with <c>W1[a, c]</c> and <c>W2[b, d]</c>, <c>out = a·b</c>, <c>in = c·d</c>, the splits chosen by
/// <see cref="Factorization"/>; W2 (and W1 with <c>DecomposeBoth</c>) is a low-rank product when r is small.
/// </summary>
internal static class LoKrMethod
{
    public const int DefaultRank = 8;

    /// <summary>PEFT's <c>decompose_factor</c> default: split near the square root.</summary>
    public const int DefaultFactor = -1;

    /// <summary><c>Peft.LoKrInit.Default</c> (PEFT <c>init_weights=True</c>).</summary>
    public const int DefaultInit = 0;

    /// <summary><c>Peft.LoKrInit.LyCORIS</c> (PEFT <c>init_weights="lycoris"</c>).</summary>
    public const int LyCORISInit = 1;

    /// <summary><c>Peft.LoKrInit.Random</c> (PEFT <c>init_weights=False</c>).</summary>
    public const int RandomInit = 2;

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.LoKr,
        "LoKr",
        "LoKr",
        ["Linear"],
        [
            AdapterMethods.Rank(DefaultRank),
            LoRAMethod.Alpha,
            LoHaMethod.RankDropout,
            LoHaMethod.ModuleDropout,
            new("RankDropoutScale", AdapterArgumentKind.Boolean, 0, "true or false", null, AdapterArgument.Any),
            new("DecomposeBoth", AdapterArgumentKind.Boolean, 0, "true or false", null, AdapterArgument.Any),
            new("DecomposeFactor", AdapterArgumentKind.Int32, DefaultFactor, "-1 or ≥ 1", AdapterMethods.InvalidLoKrFactorId,
                static f => f == -1 || f >= 1),
            new("Init", AdapterArgumentKind.Enum, DefaultInit, "a LoKrInit member", AdapterMethods.UnknownLoKrInitId,
                static init => init is DefaultInit or LyCORISInit or RandomInit),
        ],
        static (argument, inFeatures, outFeatures) => FactorDivides((int)argument("DecomposeFactor"), inFeatures, outFeatures),
        rankIsInnerDimension: false);

    /// <summary>
    /// A positive factor must divide both widths: PEFT then splits each width as <c>(factor, width/factor)</c>; for a
    /// factor that does not divide, PEFT silently searches another split, which the analyzers and the runtime refuse.
    /// </summary>
    public static bool FactorDivides(int factor, int inFeatures, int outFeatures) =>
        factor <= 0 || (inFeatures % factor == 0 && outFeatures % factor == 0);

    /// <summary>
    /// PEFT's <c>factorization(dimension, factor)</c>: <c>(m, n)</c> with <c>m·n = dimension</c>. A positive factor
    /// dividing the dimension gives <c>(factor, dimension/factor)</c> as is; otherwise m grows through the divisors
    /// while <c>m + n</c> does not grow and m stays ≤ the factor (any, for −1), and the pair is ordered <c>m ≤ n</c>.
    /// </summary>
    public static (int M, int N) Factorization(int dimension, int factor)
    {
        if (factor > 0 && dimension % factor == 0)
        {
            return (factor, dimension / factor);
        }

        if (factor == -1)
        {
            factor = dimension;
        }

        int m = 1, n = dimension;
        int length = m + n;
        while (m < n)
        {
            int nextM = m + 1;
            while (dimension % nextM != 0)
            {
                nextM++;
            }

            int nextN = dimension / nextM;
            if (nextM + nextN > length || nextM > factor)
            {
                break;
            }

            (m, n) = (nextM, nextN);
        }

        return m > n ? (n, m) : (m, n);
    }

    /// <summary>PEFT's <c>use_w1 = not (decompose_both and r &lt; max(a, c)/2)</c>, negated: whether W1 is <c>W1a·W1b</c>.</summary>
    public static bool DecomposesW1(int rank, bool decomposeBoth, int outLeft, int inLeft) =>
        decomposeBoth && 2 * rank < Math.Max(outLeft, inLeft);

    /// <summary>PEFT's <c>use_w2 = not (r &lt; max(b, d)/2)</c>, negated: whether W2 is <c>W2a·W2b</c>.</summary>
    public static bool DecomposesW2(int rank, int outRight, int inRight) => 2 * rank < Math.Max(outRight, inRight);
}
