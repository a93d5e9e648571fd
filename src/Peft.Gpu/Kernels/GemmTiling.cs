namespace Peft.Gpu.Kernels;

/// <summary>The block shape of <c>Shaders/gemm.hlsl</c>: a 16×16 workgroup computes a 64×64 block of C (4×4 per thread), 16 deep along K.</summary>
public static class GemmTiling
{
    /// <summary>Rows of C per workgroup.</summary>
    public const int TileM = 64;

    /// <summary>Columns of C per workgroup.</summary>
    public const int TileN = 64;

    /// <summary>Depth of one K step staged in group-shared memory.</summary>
    public const int TileK = 16;

    /// <summary>Threads per workgroup (16×16).</summary>
    public const int Threads = 256;

    /// <summary>Workgroups for an <c>M×N</c> result: ⌈N/64⌉ along X, ⌈M/64⌉ along Y.</summary>
    public static DispatchGroups Groups(int m, int n)
    {
        if (m <= 0 || n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM result must be non-empty, got {m}×{n}.");
        }

        uint x = (uint)((n + TileN - 1) / TileN);
        uint y = (uint)((m + TileM - 1) / TileM);
        if (x > DispatchGroups.MaxGroupsPerDimension || y > DispatchGroups.MaxGroupsPerDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM result {m}×{n} needs more than {DispatchGroups.MaxGroupsPerDimension} workgroups in a dimension.");
        }

        return new DispatchGroups(x, y, 1);
    }
}
