namespace Peft;

/// <summary>
/// The geometry of a MoRA adapter on an <c>in → out</c> layer: the square rank r̂ and how the
/// input is chunked and the output tiled (Jiang et al. 2024, official <c>mora_type</c> 1 and 6).
/// </summary>
/// <remarks>
/// <para>Compression pads x cyclically to <c>P = ⌈in/r̂⌉·r̂</c> (<c>x̄[p] = x[p mod in]</c>) and splits it
/// into <c>G = P/r̂</c> chunks. Sharing sums the chunks into one row of r̂; RoPE rotates chunk g by the
/// angles <c>g·θ_j</c> and keeps every chunk as a row. M acts on each row (<c>h = c·Mᵀ</c>).</para>
/// <para>Decompression tiles the rows with period <see cref="Period"/> (r̂ for Sharing, <c>G·r̂</c> for
/// RoPE) and cuts to <c>out</c>: <c>Δy[o] = h̄[o mod Period]</c>. RoPE chunks at or beyond
/// <c>out</c> never reach the output, so only <see cref="RowsPerItem"/> = min(G, ⌈out/r̂⌉) are computed.</para>
/// </remarks>
public readonly record struct MoRAShape
{
    /// <summary>Computes the geometry; <paramref name="squareRank"/> is usually <see cref="ComputeSquareRank"/>.</summary>
    public MoRAShape(int inFeatures, int outFeatures, int squareRank, MoRAType type)
    {
        if (inFeatures <= 0 || outFeatures <= 0 || squareRank <= 0 || (type == MoRAType.RoPE && squareRank % 2 != 0))
        {
            throw new ArgumentException(
                $"MoRA {type}: invalid geometry in={inFeatures}, out={outFeatures}, r̂={squareRank} (all positive, r̂ even for RoPE).");
        }

        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        SquareRank = squareRank;
        Type = type;
        Chunks = Methods.MoRAMethod.Chunks(inFeatures, squareRank);
        PaddedLength = Chunks * squareRank;
        Period = Methods.MoRAMethod.Period((int)type, squareRank, Chunks);
        RowsPerItem = Methods.MoRAMethod.RowsPerItem((int)type, squareRank, Chunks, outFeatures);
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>r̂, the side of M.</summary>
    public int SquareRank { get; }

    /// <summary>The compression type.</summary>
    public MoRAType Type { get; }

    /// <summary>G = ⌈in/r̂⌉, the number of input chunks.</summary>
    public int Chunks { get; }

    /// <summary>P = G·r̂, the cyclically padded input length.</summary>
    public int PaddedLength { get; }

    /// <summary>The tiling period of the decompressed output.</summary>
    public int Period { get; }

    /// <summary>Rows of length r̂ that M acts on per batch item (1 for Sharing).</summary>
    public int RowsPerItem { get; }

    /// <summary>Elements of a compressed (or mixed) buffer for <paramref name="batch"/> items.</summary>
    public int CompressedLength(int batch) => checked(batch * RowsPerItem * SquareRank);

    /// <summary>
    /// r̂ = ⌊√((in+out)·r) + 0.5⌋, then rounded down to even for RoPE (official MoRA: <c>new_r // 2 * 2</c>).
    /// </summary>
    public static int ComputeSquareRank(int inFeatures, int outFeatures, int rank, MoRAType type)
        => Methods.MoRAMethod.SquareRank(inFeatures, outFeatures, rank, (int)type);

    /// <summary>
    /// The rotary tables <c>cos(g·θ_j)</c>, <c>sin(g·θ_j)</c> with <c>θ_j = 10000^{-2j/r̂}</c>, laid out
    /// <c>[RowsPerItem, r̂/2]</c>, computed in double and rounded to <typeparamref name="T"/>.
    /// </summary>
    public (T[] Cos, T[] Sin) RotaryTables<T>()
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        int half = SquareRank / 2;
        var cos = new T[RowsPerItem * half];
        var sin = new T[RowsPerItem * half];
        for (int g = 0; g < RowsPerItem; g++)
        {
            for (int j = 0; j < half; j++)
            {
                double theta = Math.Pow(10000.0, -2.0 * j / SquareRank);
                double angle = g * theta;
                cos[g * half + j] = T.CreateChecked(Math.Cos(angle));
                sin[g * half + j] = T.CreateChecked(Math.Sin(angle));
            }
        }

        return (cos, sin);
    }
}
