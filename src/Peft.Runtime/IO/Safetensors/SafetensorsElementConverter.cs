using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Peft.IO;

/// <summary>
/// Converts little-endian F16 / BF16 / F32 / F64 elements to and from the compute types
/// (<see cref="float"/>, <see cref="double"/>). Narrowing rounds to nearest, ties to even, as PyTorch does.
/// </summary>
internal static class SafetensorsElementConverter
{
    /// <summary>Decodes <paramref name="source"/> (elements of <paramref name="dtype"/>) into <paramref name="destination"/>.</summary>
    public static void Decode<T>(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<T> destination, string tensorName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckConvertible(dtype, tensorName);
        int width = dtype.BitSize() / 8;
        if (source.Length != (long)destination.Length * width)
        {
            throw new ArgumentException(
                $"Tensor '{tensorName}' has {source.Length / width} {dtype} elements but the destination holds {destination.Length}.");
        }

        if (BitConverter.IsLittleEndian)
        {
            if (typeof(T) == typeof(float))
            {
                DecodeSingle(dtype, source, MemoryMarshal.Cast<T, float>(destination));
                return;
            }

            if (typeof(T) == typeof(double) && dtype == SafetensorsDType.F64)
            {
                source.CopyTo(MemoryMarshal.AsBytes(destination));
                return;
            }
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(ReadDouble(dtype, source.Slice(i * width, width)));
        }
    }

    /// <summary>Encodes <paramref name="source"/> as <paramref name="dtype"/> elements into <paramref name="destination"/>.</summary>
    public static void Encode<T>(ReadOnlySpan<T> source, SafetensorsDType dtype, Span<byte> destination, string tensorName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckConvertible(dtype, tensorName);
        int width = dtype.BitSize() / 8;
        if (destination.Length != (long)source.Length * width)
        {
            throw new ArgumentException(
                $"Tensor '{tensorName}': {source.Length} elements need {(long)source.Length * width} bytes as {dtype}, got {destination.Length}.");
        }

        for (int i = 0; i < source.Length; i++)
        {
            var element = destination.Slice(i * width, width);
            switch (dtype)
            {
                case SafetensorsDType.F64:
                    BinaryPrimitives.WriteDoubleLittleEndian(element, double.CreateTruncating(source[i]));
                    break;
                case SafetensorsDType.F32:
                    BinaryPrimitives.WriteSingleLittleEndian(element, float.CreateTruncating(source[i]));
                    break;
                case SafetensorsDType.F16:
                    // double → Half rounds once (no double rounding through float).
                    BinaryPrimitives.WriteHalfLittleEndian(element, (Half)double.CreateTruncating(source[i]));
                    break;
                default:
                    BinaryPrimitives.WriteUInt16LittleEndian(element, ToBFloat16(float.CreateTruncating(source[i])));
                    break;
            }
        }
    }

    /// <summary>
    /// float → bfloat16 bits, round to nearest even: add <c>0x7FFF + lsb</c> to the single's bits and keep the
    /// upper 16; NaN stays a quiet NaN.
    /// </summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>bfloat16 bits → float: the bits are the upper half of the single.</summary>
    public static float FromBFloat16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static void DecodeSingle(SafetensorsDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDType.F32:
                source.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case SafetensorsDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case SafetensorsDType.BF16:
                DecodeBFloat16(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            default:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * 8, 8));
                }

                break;
        }
    }

    /// <summary>bfloat16 → float for a whole span: widen each 16-bit pattern and shift it into the upper half.</summary>
    internal static void DecodeBFloat16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Create(source.Slice(i, Vector256<ushort>.Count)));
                (lower << 16).AsSingle().CopyTo(destination[i..]);
                (upper << 16).AsSingle().CopyTo(destination[(i + Vector256<uint>.Count)..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] = FromBFloat16(source[i]);
        }
    }

    private static double ReadDouble(SafetensorsDType dtype, ReadOnlySpan<byte> element) => dtype switch
    {
        SafetensorsDType.F64 => BinaryPrimitives.ReadDoubleLittleEndian(element),
        SafetensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(element),
        SafetensorsDType.F16 => (double)BinaryPrimitives.ReadHalfLittleEndian(element),
        _ => FromBFloat16(BinaryPrimitives.ReadUInt16LittleEndian(element)),
    };

    private static void CheckConvertible(SafetensorsDType dtype, string tensorName)
    {
        if (!dtype.IsConvertibleFloat())
        {
            throw new NotSupportedException(
                $"Tensor '{tensorName}' is {dtype}; only F16, BF16, F32 and F64 convert to floating-point compute types.");
        }
    }
}
