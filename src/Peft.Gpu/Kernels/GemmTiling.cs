namespace Peft.Gpu.Kernels;

/// <summary>The SGEMM block shapes and the choice between them (as ggml-vulkan picks a matmul variant per shape).</summary>
public static class GemmTiling
{
    /// <summary>Threads per workgroup (16×16) of both shapes.</summary>
    public const int Threads = 256;

    /// <summary>64×64 blocks, 16 deep, 4×4 per thread (<c>gemm.hlsl</c>): small and skinny products.</summary>
    public static GemmTile Small { get; } = new("gemm", 64, 64, 16, 4, 4);

    /// <summary>128×128 blocks, 8 deep, 8×8 per thread (<c>gemm_large.hlsl</c>): twice the arithmetic per shared-memory read.</summary>
    public static GemmTile Large { get; } = new("gemm_large", 128, 128, 8, 8, 8);

    /// <summary>The block shape for an <c>M×N</c> result: <see cref="Large"/> when both sides are at least 128.</summary>
    public static GemmTile Choose(int m, int n) => m >= Large.TileM && n >= Large.TileN ? Large : Small;

    /// <summary>Workgroups for an <c>M×N</c> result in <paramref name="tile"/>s: ⌈N/TileN⌉ along X, ⌈M/TileM⌉ along Y.</summary>
    public static DispatchGroups Groups(GemmTile tile, int m, int n)
    {
        ArgumentNullException.ThrowIfNull(tile);
        return DispatchGroups.Blocks(m, n, tile.TileM, tile.TileN);
    }
}
