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

    /// <summary><c>Peft.MoRAType.Grouped</c> (official <c>mora_type</c> 2): grouped compression and decompression.</summary>
    public const int GroupedType = 2;

    /// <summary><c>Peft.MoRAType.GroupedCompression</c> (official <c>mora_type</c> 3).</summary>
    public const int GroupedCompressionType = 3;

    /// <summary><c>Peft.MoRAType.GroupedDecompression</c> (official <c>mora_type</c> 4).</summary>
    public const int GroupedDecompressionType = 4;

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
                static type => type is SharingType or GroupedType or GroupedCompressionType or GroupedDecompressionType or RoPEType),
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

    /// <summary>Whether the input is summed in consecutive groups (types 2 and 3) rather than chunks of r̂.</summary>
    public static bool CompressesByGroups(int type) => type is GroupedType or GroupedCompressionType;

    /// <summary>Whether each value is repeated over a consecutive group of the output (types 2 and 4) rather than tiled.</summary>
    public static bool DecompressesByGroups(int type) => type is GroupedType or GroupedDecompressionType;

    /// <summary>
    /// Where group <paramref name="j"/> of <paramref name="groups"/> consecutive groups of <paramref name="length"/> starts: the first
    /// <c>length mod groups</c> groups hold <c>⌊length/groups⌋ + 1</c> elements, the others <c>⌊length/groups⌋</c> (the official fork's
    /// <c>mr</c>, <c>nr</c> split); <c>GroupStart(groups)</c> is <paramref name="length"/>.
    /// </summary>
    public static int GroupStart(int j, int length, int groups) => j * (length / groups) + Math.Min(j, length % groups);

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
