namespace Peft.IO;

/// <summary>
/// One tensor of a validated safetensors header. Offsets are relative to the start of the data
/// section (file offset <see cref="SafetensorsFile.DataStart"/>), as in the header.
/// </summary>
public sealed class SafetensorsTensorInfo
{
    private readonly long[] _shape;

    internal SafetensorsTensorInfo(string name, SafetensorsDType dtype, long[] shape, long elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The tensor's key in the header.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The dimensions, outermost first; empty for a 0-rank (scalar) tensor.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The product of <see cref="Shape"/> (1 for a scalar, 0 for an empty tensor).</summary>
    public long ElementCount { get; }

    /// <summary>The first byte of the tensor in the data section.</summary>
    public long DataBegin { get; }

    /// <summary>One past the last byte of the tensor in the data section.</summary>
    public long DataEnd { get; }

    /// <summary>The number of bytes: <c>DataEnd − DataBegin</c>.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>The shape written as <c>[d0, d1, …]</c>.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DType} {ShapeText}";

    internal static string FormatShape(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}
