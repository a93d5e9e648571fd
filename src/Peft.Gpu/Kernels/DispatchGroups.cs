namespace Peft.Gpu.Kernels;

/// <summary>The workgroup counts of one dispatch (<c>vkCmdDispatch(X, Y, Z)</c>).</summary>
public readonly record struct DispatchGroups(uint X, uint Y, uint Z)
{
    /// <summary>Vulkan's guaranteed minimum of <c>maxComputeWorkGroupCount</c> per dimension.</summary>
    public const uint MaxGroupsPerDimension = 65535;

    /// <summary>
    /// Groups of <paramref name="groupSize"/> threads covering <paramref name="threads"/> elements in one dimension, folded
    /// into Y past 65535 groups (the shaders index element <c>x + y·65535·groupSize</c>).
    /// </summary>
    public static DispatchGroups Linear(long threads, uint groupSize)
    {
        long groups = Math.Max(1, (threads + groupSize - 1) / groupSize);
        long y = (groups + MaxGroupsPerDimension - 1) / MaxGroupsPerDimension;
        if (y > MaxGroupsPerDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"A linear dispatch covers at most {(long)MaxGroupsPerDimension * MaxGroupsPerDimension * groupSize} elements.");
        }

        return new DispatchGroups((uint)Math.Min(groups, MaxGroupsPerDimension), (uint)y, 1);
    }

    /// <summary>
    /// Workgroups covering an <paramref name="m"/>×<paramref name="n"/> result in blocks of <paramref name="blockM"/>×<paramref name="blockN"/>:
    /// ⌈n/blockN⌉ along X, ⌈m/blockM⌉ along Y (the GEMM kernels' grid).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The result is empty, or needs more than 65535 workgroups along a side.</exception>
    public static DispatchGroups Blocks(int m, int n, int blockM, int blockN)
    {
        if (m <= 0 || n <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM result must be non-empty, got {m}×{n}.");
        }

        uint x = (uint)((n + blockN - 1) / blockN);
        uint y = (uint)((m + blockM - 1) / blockM);
        if (x > MaxGroupsPerDimension || y > MaxGroupsPerDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(m), $"GEMM result {m}×{n} needs more than {MaxGroupsPerDimension} workgroups in a dimension.");
        }

        return new DispatchGroups(x, y, 1);
    }

    /// <summary>Total workgroups.</summary>
    public long Count => (long)X * Y * Z;
}
