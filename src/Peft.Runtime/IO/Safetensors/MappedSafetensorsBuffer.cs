using System.IO.MemoryMappedFiles;

namespace Peft.IO;

/// <summary>
/// A read-only memory map of a safetensors file: tensors are read in place, so opening a file of
/// many gigabytes costs only the header.
/// </summary>
internal sealed unsafe class MappedSafetensorsBuffer : SafetensorsBuffer
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _start;
    private bool _disposed;

    public MappedSafetensorsBuffer(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        Length = stream.Length;
        if (Length == 0)
        {
            // An empty file cannot be mapped; the header check reports it as truncated.
            stream.Dispose();
            return;
        }

        try
        {
            // The map owns the stream from here on (leaveOpen: false).
            _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        try
        {
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _start = pointer + _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            _map.Dispose();
            throw;
        }
    }

    public override long Length { get; }

    public override ReadOnlySpan<byte> Slice(long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Range [{offset}, {offset + length}) is outside the {Length}-byte file.");
        }

        return length == 0 ? default : new ReadOnlySpan<byte>(_start + offset, length);
    }

    public override ReadOnlyMemory<byte> Memory(long offset, int length)
    {
        var span = Slice(offset, length);
        return length == 0 ? ReadOnlyMemory<byte>.Empty : new MappedMemoryManager(_start + offset, span.Length).Memory;
    }

    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _map?.Dispose();
    }
}
