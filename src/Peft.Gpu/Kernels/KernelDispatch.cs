namespace Peft.Gpu.Kernels;

/// <summary>
/// One kernel launch as data: the pipeline (shader + specialization constants), the buffers it binds (as slots that
/// the owner of a plan resolves to device buffers, binding i = <c>Slots[i]</c>), its push constants and its
/// workgroup counts. A plan is a list of these; a source generator can emit one as constant data.
/// </summary>
/// <param name="Kernel">The pipeline key.</param>
/// <param name="Slots">The buffer slot of each binding.</param>
/// <param name="PushConstants">The push-constant words (at most 8: the 32-byte range every layout declares).</param>
/// <param name="Groups">The workgroup counts.</param>
public sealed record KernelDispatch(PipelineKey Kernel, int[] Slots, uint[] PushConstants, DispatchGroups Groups)
{
    /// <inheritdoc />
    public override string ToString()
        => $"{Kernel} slots [{string.Join(", ", Slots)}] push [{string.Join(", ", PushConstants)}] groups {Groups.X}×{Groups.Y}×{Groups.Z}";
}
