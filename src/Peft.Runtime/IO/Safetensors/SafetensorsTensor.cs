using System.Numerics;

namespace Peft.IO;

/// <summary>A tensor to write: a name, a dtype, a shape and the little-endian bytes.</summary>
public sealed class SafetensorsTensor
{
    private readonly long[] _shape;

    private SafetensorsTensor(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data)
    {
        Name = name;
        DType = dtype;
        _shape = shape;
        Data = data;
    }

    /// <summary>The tensor's key in the header.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The dimensions; empty for a scalar.</summary>
    public ReadOnlySpan<long> Shape => _shape;

    /// <summary>The little-endian element bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Wraps raw bytes; their length must be <c>∏shape · bits(dtype) / 8</c>.</summary>
    /// <exception cref="ArgumentException">The name, shape or byte length is invalid.</exception>
    public static SafetensorsTensor FromBytes(string name, SafetensorsDType dtype, ReadOnlySpan<long> shape, ReadOnlyMemory<byte> data)
    {
        long expected = ByteLength(name, dtype, shape);
        if (data.Length != expected)
        {
            throw new ArgumentException(
                $"Tensor '{name}' {dtype} {SafetensorsTensorInfo.FormatShape(shape)} needs {expected} bytes, got {data.Length}.", nameof(data));
        }

        return new SafetensorsTensor(name, dtype, shape.ToArray(), data);
    }

    /// <summary>Encodes <paramref name="values"/> as <paramref name="dtype"/> (F16, BF16, F32 or F64).</summary>
    public static SafetensorsTensor FromValues<T>(string name, ReadOnlySpan<long> shape, ReadOnlySpan<T> values, SafetensorsDType dtype = SafetensorsDType.F32)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        long expected = ByteLength(name, dtype, shape);
        if (expected != (long)values.Length * (dtype.BitSize() / 8))
        {
            throw new ArgumentException(
                $"Tensor '{name}' shape {SafetensorsTensorInfo.FormatShape(shape)} has {expected * 8 / dtype.BitSize()} elements, got {values.Length} values.",
                nameof(values));
        }

        var bytes = new byte[expected];
        SafetensorsElementConverter.Encode(values, dtype, bytes, name);
        return new SafetensorsTensor(name, dtype, shape.ToArray(), bytes);
    }

    /// <summary>Encodes <paramref name="values"/> with an <see cref="int"/> shape (as <see cref="Parameter"/> has).</summary>
    public static SafetensorsTensor FromValues<T>(string name, ReadOnlySpan<int> shape, ReadOnlySpan<T> values, SafetensorsDType dtype = SafetensorsDType.F32)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var longShape = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            longShape[i] = shape[i];
        }

        return FromValues(name, longShape, values, dtype);
    }

    /// <summary><c>∏shape · bits / 8</c>, overflow-checked; the bit count must be a whole number of bytes.</summary>
    internal static long ByteLength(string name, SafetensorsDType dtype, ReadOnlySpan<long> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == SafetensorsFormat.MetadataKey)
        {
            throw new ArgumentException($"'{SafetensorsFormat.MetadataKey}' is reserved and cannot name a tensor.", nameof(name));
        }

        long bits = dtype.BitSize();
        foreach (long dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor '{name}' shape {SafetensorsTensorInfo.FormatShape(shape)} has a negative dimension.", nameof(shape));
            }

            try
            {
                bits = checked(bits * dimension);
            }
            catch (OverflowException)
            {
                throw new ArgumentException($"Tensor '{name}' shape {SafetensorsTensorInfo.FormatShape(shape)} × {dtype} overflows.", nameof(shape));
            }
        }

        if (bits % 8 != 0)
        {
            throw new ArgumentException($"Tensor '{name}' {dtype} {SafetensorsTensorInfo.FormatShape(shape)} is {bits} bits, not a whole number of bytes.", nameof(shape));
        }

        return bits / 8;
    }
}
