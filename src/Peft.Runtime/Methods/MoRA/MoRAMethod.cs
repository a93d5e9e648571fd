using System;

namespace Peft.Methods;

/// <summary>
/// MoRA's shared description and arithmetic (Jiang et al. 2024): rank and type, and the square rank
/// <c>r̂ = ⌊√((in+out)·r) + 0.5⌋</c> (rounded down to even for RoPE).
/// </summary>
internal static class MoRAMethod
{
    public const int DefaultRank = 8;

    /// <summary><c>Peft.MoRAType.Sharing</c> (official <c>mora_type</c> 1).</summary>
    public const int SharingType = 1;

    /// <summary><c>Peft.MoRAType.RoPE</c> (official <c>mora_type</c> 6).</summary>
    public const int RoPEType = 6;

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.MoRA,
        "MoRA",
        "MoRA",
        ["Linear"],
        [
            AdapterMethods.Rank(DefaultRank),
            new("Type", AdapterArgumentKind.Enum, SharingType, "a MoRAType member", AdapterMethods.UnknownMoRATypeId,
                static type => type is SharingType or RoPEType),
        ],
        static (argument, inFeatures, outFeatures) => FitsShape((int)argument("Rank"), (int)argument("Type"), inFeatures, outFeatures),
        rankIsInnerDimension: false);

    /// <summary>
    /// r̂ = ⌊√((in+out)·r) + 0.5⌋, then rounded down to even for RoPE (official MoRA: <c>new_r // 2 * 2</c>).
    /// </summary>
    public static int SquareRank(int inFeatures, int outFeatures, int rank, int type)
    {
        int square = (int)Math.Floor(Math.Sqrt(((double)inFeatures + outFeatures) * rank) + 0.5);
        return type == RoPEType ? square / 2 * 2 : square;
    }

    /// <summary>G = ⌈in/r̂⌉, the number of input chunks after cyclic padding to a multiple of r̂.</summary>
    public static int Chunks(int inFeatures, int squareRank) => (inFeatures + squareRank - 1) / squareRank;

    /// <summary>The tiling period of the decompressed output: r̂ for Sharing, the padded length G·r̂ for RoPE.</summary>
    public static int Period(int type, int squareRank, int chunks) => type == RoPEType ? chunks * squareRank : squareRank;

    /// <summary>Rows of length r̂ that M acts on per batch item: 1 for Sharing; for RoPE the chunks that reach the output, min(G, ⌈out/r̂⌉).</summary>
    public static int RowsPerItem(int type, int squareRank, int chunks, int outFeatures) =>
        type == RoPEType ? Math.Min(chunks, (outFeatures + squareRank - 1) / squareRank) : 1;

    /// <summary>The smallest usable r̂: 2 for RoPE (it rotates pairs), else 1.</summary>
    public static int MinimumSquareRank(int type) => type == RoPEType ? 2 : 1;

    /// <summary>Whether MoRA of this rank and type has a usable r̂ on an <c>in → out</c> layer.</summary>
    public static bool FitsShape(int rank, int type, int inFeatures, int outFeatures) =>
        SquareRank(inFeatures, outFeatures, rank, type) >= MinimumSquareRank(type);
}
