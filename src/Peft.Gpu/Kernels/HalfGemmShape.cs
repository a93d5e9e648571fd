namespace Peft.Gpu.Kernels;

/// <summary>
/// How a device runs the half-precision GEMM (<c>Shaders/coopmat/gemm_coopmat.comp</c>): one subgroup per workgroup
/// computes a 2×2 grid of <see cref="TileM"/>×<see cref="TileN"/> cooperative matrices (float16 inputs, float32
/// accumulation), <see cref="TileK"/> deep per step. The device reports the tiles it multiplies
/// (<c>vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR</c>); <see cref="Choose"/> picks one.
/// </summary>
/// <param name="TileM">Rows of an A tile and of the accumulator.</param>
/// <param name="TileN">Columns of a B tile and of the accumulator.</param>
/// <param name="TileK">The shared dimension of one multiply-add.</param>
/// <param name="SubgroupSize">Invocations per subgroup (= per workgroup).</param>
public sealed record HalfGemmShape(int TileM, int TileN, int TileK, int SubgroupSize)
{
    /// <summary>
    /// Every half-precision operand is stored padded to a multiple of this on both sides, zeros in the padding, so
    /// that whole tiles load without bounds checks on any shape <see cref="Choose"/> accepts.
    /// </summary>
    public const int Alignment = 64;

    /// <summary>Accumulator tiles per workgroup along each side.</summary>
    public const int TilesPerSide = 2;

    /// <summary>Rows of C per workgroup.</summary>
    public int BlockM => TilesPerSide * TileM;

    /// <summary>Columns of C per workgroup.</summary>
    public int BlockN => TilesPerSide * TileN;

    /// <summary><paramref name="size"/> rounded up to <see cref="Alignment"/>.</summary>
    public static int Pad(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return checked((size + Alignment - 1) / Alignment * Alignment);
    }

    /// <summary>
    /// The tile to use among those a device offers for float16 × float16 + float32 → float32 at subgroup scope: tiles
    /// whose blocks divide <see cref="Alignment"/>, the largest (M·N·K) first, then the squarest. Null when none fits.
    /// </summary>
    public static HalfGemmShape? Choose(IEnumerable<(int M, int N, int K)> offered, int subgroupSize)
    {
        ArgumentNullException.ThrowIfNull(offered);
        if (subgroupSize <= 0)
        {
            return null;
        }

        var best = offered
            .Where(t => t.M > 0 && t.N > 0 && t.K > 0
                && Alignment % (TilesPerSide * t.M) == 0 && Alignment % (TilesPerSide * t.N) == 0 && Alignment % t.K == 0)
            .OrderByDescending(t => (long)t.M * t.N * t.K)
            .ThenBy(t => Math.Abs(t.M - t.N))
            .Select(t => ((int, int, int)?)t)
            .FirstOrDefault();
        return best is var (m, n, k) ? new HalfGemmShape(m, n, k, subgroupSize) : null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{TileM}×{TileN}×{TileK} tiles, subgroup {SubgroupSize}";
}
