using System.Numerics;

namespace Peft.IO;

/// <summary>
/// A validated safetensors file open for reading. <see cref="Open"/> memory-maps the file, so only the
/// header is read up front; <see cref="Read(ReadOnlyMemory{byte}, string)"/> and
/// <see cref="Read(Stream, string)"/> parse bytes in memory. Every structural problem is reported as an
/// <see cref="InvalidDataException"/> before any tensor is touched, and nothing is allocated from sizes
/// the header claims until they have been checked against the file length.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly SafetensorsBuffer _buffer;
    private readonly SafetensorsHeader _header;

    private SafetensorsFile(SafetensorsBuffer buffer, string source)
    {
        _buffer = buffer;
        Source = source;
        try
        {
            long headerLength = SafetensorsHeaderParser.ReadHeaderLength(
                buffer.Length >= SafetensorsFormat.LengthPrefixSize ? buffer.Slice(0, SafetensorsFormat.LengthPrefixSize) : default,
                buffer.Length, source);
            var json = buffer.Slice(SafetensorsFormat.LengthPrefixSize, (int)headerLength);
            long dataLength = buffer.Length - SafetensorsFormat.LengthPrefixSize - headerLength;
            _header = SafetensorsHeaderParser.Parse(json, dataLength, source);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Memory-maps and validates the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new SafetensorsFile(new MappedSafetensorsBuffer(path), path);
    }

    /// <summary>Validates a whole file held in memory.</summary>
    public static SafetensorsFile Read(ReadOnlyMemory<byte> bytes, string source = "<memory>") =>
        new(new MemorySafetensorsBuffer(bytes), source);

    /// <summary>
    /// Reads a whole stream and validates it. The copy grows with the bytes actually present, never
    /// with a length the header claims. Use <see cref="Open"/> for files over 2 GiB.
    /// </summary>
    public static SafetensorsFile Read(Stream stream, string source = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Read(copy.GetBuffer().AsMemory(0, (int)copy.Length), source);
    }

    /// <summary>The path or label used in error messages.</summary>
    public string Source { get; }

    /// <summary>The tensors in data-offset order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => _header.Tensors;

    /// <summary>The <c>__metadata__</c> entries (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>N, the JSON header length in bytes.</summary>
    public long HeaderLength => _header.HeaderLength;

    /// <summary>The file offset of the data section (8 + N).</summary>
    public long DataStart => _header.DataStart;

    /// <summary>The file length in bytes.</summary>
    public long Length => _buffer.Length;

    /// <summary>Whether the file has a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _header.TryGet(name, out _);

    /// <summary>Finds a tensor by name.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo tensor) => _header.TryGet(name, out tensor);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor.</exception>
    public SafetensorsTensorInfo GetTensor(string name) =>
        _header.TryGet(name, out var tensor)
            ? tensor
            : throw new KeyNotFoundException($"{Source}: no tensor named '{name}'.");

    /// <summary>The raw little-endian bytes of <paramref name="tensor"/>, in place (no copy).</summary>
    /// <exception cref="NotSupportedException">The tensor is larger than a span can address (2 GiB).</exception>
    public ReadOnlySpan<byte> GetBytes(SafetensorsTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_header.TryGet(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' does not belong to {Source}.", nameof(tensor));
        }

        if (tensor.ByteLength > int.MaxValue)
        {
            throw new NotSupportedException($"{Source}: tensor '{tensor.Name}' has {tensor.ByteLength} bytes, more than one span can address.");
        }

        return _buffer.Slice(DataStart + tensor.DataBegin, (int)tensor.ByteLength);
    }

    /// <summary>
    /// The raw bytes of <paramref name="tensor"/> as memory, without a copy for memory-mapped files; valid only
    /// until this file is disposed. Lets a writer stream unchanged tensors straight from the source file.
    /// </summary>
    public ReadOnlyMemory<byte> GetMemory(SafetensorsTensorInfo tensor)
    {
        int length = GetBytes(tensor).Length;
        return _buffer.Memory(DataStart + tensor.DataBegin, length);
    }

    /// <summary>The raw little-endian bytes of the tensor named <paramref name="name"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => GetBytes(GetTensor(name));

    /// <summary>
    /// The values of a floating-point tensor (F16, BF16, F32 or F64) converted to <typeparamref name="T"/>,
    /// row-major.
    /// </summary>
    public T[] ReadValues<T>(string name)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var tensor = GetTensor(name);
        if (tensor.ElementCount > Array.MaxLength)
        {
            throw new NotSupportedException($"{Source}: tensor '{name}' has {tensor.ElementCount} elements, more than an array holds.");
        }

        var values = new T[tensor.ElementCount];
        ReadValues(name, values);
        return values;
    }

    /// <summary>Converts the values of a floating-point tensor into <paramref name="destination"/> (its exact length).</summary>
    public void ReadValues<T>(string name, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var tensor = GetTensor(name);
        SafetensorsElementConverter.Decode(tensor.DType, GetBytes(tensor), destination, $"{Source}: {name}");
    }

    /// <summary>Releases the memory map.</summary>
    public void Dispose() => _buffer.Dispose();
}
