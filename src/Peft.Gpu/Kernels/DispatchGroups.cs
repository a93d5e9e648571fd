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

    /// <summary>Total workgroups.</summary>
    public long Count => (long)X * Y * Z;
}
