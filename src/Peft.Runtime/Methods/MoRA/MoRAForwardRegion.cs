using System.Numerics;

namespace Peft.Generated;

/// <summary>The forward region: items [start, end) in blocks of <c>grain</c>, see <see cref="MoRAKernelBase{T}"/>.</summary>
internal readonly struct MoRAForwardRegion<T>(MoRAKernelBase<T> kernel, int grain) : IKernelRegion<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public void Execute(int participant, int start, int end, in PinnedSpans<T> spans)
        => kernel.ForwardBlocks(participant, start, end, grain, spans);
}
