namespace Peft.IO;

/// <summary>A safetensors file held in memory.</summary>
internal sealed class MemorySafetensorsBuffer(ReadOnlyMemory<byte> bytes) : SafetensorsBuffer
{
    public override long Length => bytes.Length;

    public override ReadOnlySpan<byte> Slice(long offset, int length) => bytes.Span.Slice(checked((int)offset), length);

    public override ReadOnlyMemory<byte> Memory(long offset, int length) => bytes.Slice(checked((int)offset), length);
}
