using System.Buffers;

namespace Peft.IO;

/// <summary>
/// Exposes a range of a memory map as <see cref="Memory{T}"/> so that unchanged tensors can be written
/// straight from the mapped file without a copy. Valid only while the owning file is open.
/// </summary>
internal sealed unsafe class MappedMemoryManager(byte* start, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(start, length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, length);
        return new MemoryHandle(start + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
