namespace Peft.IO;

/// <summary>The bytes of a safetensors file: an array in memory or a read-only memory map.</summary>
internal abstract class SafetensorsBuffer : IDisposable
{
    /// <summary>The file length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>The bytes <c>[offset, offset + length)</c>; the caller has validated the range.</summary>
    public abstract ReadOnlySpan<byte> Slice(long offset, int length);

    /// <summary>The same bytes as <see cref="Slice"/> as memory (no copy), valid while the buffer is open.</summary>
    public abstract ReadOnlyMemory<byte> Memory(long offset, int length);

    /// <inheritdoc />
    public virtual void Dispose()
    {
    }
}
