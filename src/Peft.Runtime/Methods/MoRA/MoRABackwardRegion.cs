using System.Numerics;

namespace Peft.Generated;

/// <summary>The backward region: items [start, end) in blocks of <c>grain</c>, see <see cref="MoRAKernelBase{T}"/>.</summary>
internal readonly struct MoRABackwardRegion<T>(MoRAKernelBase<T> kernel, int grain) : IKernelRegion<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public void Execute(int participant, int start, int end, in PinnedSpans<T> spans)
        => kernel.BackwardBlocks(participant, start, end, grain, spans);
}
