using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Peft.Generated;

/// <summary>The streaming loops of the MoRA kernels: one vectorized pass each, the sums held in registers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class MoRALoops
{
    /// <summary><c>sum[j] = Σ_{k &lt; tiles} row[k·w + j]</c>, <c>w = sum.Length</c>, summed in tile order as the runtime does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumTiles<T>(ReadOnlySpan<T> row, int tiles, Span<T> sum)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = sum.Length;
        row = row.Slice(0, tiles * width); // the unchecked loads below stay inside it
        ref T r = ref MemoryMarshal.GetReference(row);
        ref T s = ref MemoryMarshal.GetReference(sum);
        int j = 0;
        if (Vector512.IsHardwareAccelerated && width >= Vector512<T>.Count)
        {
            for (; j <= width - Vector512<T>.Count; j += Vector512<T>.Count)
            {
                var acc = Vector512<T>.Zero;
                for (int k = 0; k < tiles; k++)
                {
                    acc += Vector512.LoadUnsafe(ref r, (nuint)(k * width + j));
                }
                Vector512.StoreUnsafe(acc, ref s, (nuint)j);
            }
        }
        else if (Vector256.IsHardwareAccelerated && width >= Vector256<T>.Count)
        {
            for (; j <= width - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var acc = Vector256<T>.Zero;
                for (int k = 0; k < tiles; k++)
                {
                    acc += Vector256.LoadUnsafe(ref r, (nuint)(k * width + j));
                }
                Vector256.StoreUnsafe(acc, ref s, (nuint)j);
            }
        }

        for (; j < width; j++)
        {
            T acc = T.Zero;
            for (int k = 0; k < tiles; k++)
            {
                acc += Unsafe.Add(ref r, k * width + j);
            }
            Unsafe.Add(ref s, j) = acc;
        }
    }

    /// <summary><c>row[k·w + j] += tile[j]</c> for <c>k &lt; tiles</c>, <c>w = tile.Length</c>: the tile is loaded once per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddTiles<T>(ReadOnlySpan<T> tile, int tiles, Span<T> row)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = tile.Length;
        row = row.Slice(0, tiles * width); // the unchecked loads below stay inside it
        ref T h = ref MemoryMarshal.GetReference(tile);
        ref T r = ref MemoryMarshal.GetReference(row);
        int j = 0;
        if (Vector512.IsHardwareAccelerated && width >= Vector512<T>.Count)
        {
            for (; j <= width - Vector512<T>.Count; j += Vector512<T>.Count)
            {
                var value = Vector512.LoadUnsafe(ref h, (nuint)j);
                for (int k = 0; k < tiles; k++)
                {
                    nuint at = (nuint)(k * width + j);
                    Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref r, at) + value, ref r, at);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated && width >= Vector256<T>.Count)
        {
            for (; j <= width - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var value = Vector256.LoadUnsafe(ref h, (nuint)j);
                for (int k = 0; k < tiles; k++)
                {
                    nuint at = (nuint)(k * width + j);
                    Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref r, at) + value, ref r, at);
                }
            }
        }

        for (; j < width; j++)
        {
            T value = Unsafe.Add(ref h, j);
            for (int k = 0; k < tiles; k++)
            {
                Unsafe.Add(ref r, k * width + j) += value;
            }
        }
    }

    /// <summary><c>target[j] += source[(start + j) mod source.Length]</c> for <c>j &lt; target.Length</c>, in contiguous segments (the cyclic padding).</summary>
    public static void AddWrapped<T>(ReadOnlySpan<T> source, int start, Span<T> target)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int p = start % source.Length;
        for (int j = 0; j < target.Length; p = 0)
        {
            int length = Math.Min(target.Length - j, source.Length - p);
            var segment = target.Slice(j, length);
            TensorPrimitives.Add<T>(segment, source.Slice(p, length), segment);
            j += length;
        }
    }

    /// <summary><c>target[(start + j) mod target.Length] += source[j]</c> for <c>j &lt; source.Length</c>: the adjoint of <see cref="AddWrapped"/>.</summary>
    public static void AddWrappedAdjoint<T>(ReadOnlySpan<T> source, int start, Span<T> target)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int p = start % target.Length;
        for (int j = 0; j < source.Length; p = 0)
        {
            int length = Math.Min(source.Length - j, target.Length - p);
            var segment = target.Slice(p, length);
            TensorPrimitives.Add<T>(segment, source.Slice(j, length), segment);
            j += length;
        }
    }

    /// <summary>
    /// Rotates the pairs (j, j + w) by the angles of <paramref name="cos"/> and <paramref name="sin"/>, <c>w = cos.Length</c>:
    /// <c>lo' = lo·cos − hi·sin</c>, <c>hi' = hi·cos + lo·sin</c> — the rotate-half rotation the attention layers use
    /// (<see cref="RotaryKernel"/>), one vectorized pass.
    /// </summary>
    public static void Rotate<T>(ReadOnlySpan<T> source, Span<T> destination, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => RotaryKernel.Rotate(source, destination, cos, sin, transpose: false, accumulate: false);

    /// <summary>
    /// Adds the pairs (j, j + w) rotated by the angles of <paramref name="cos"/> and <paramref name="sin"/> to the destination:
    /// <c>lo' += lo·cos − hi·sin</c>, <c>hi' += hi·cos + lo·sin</c> (the rotated value is rounded before the add, as the runtime does).
    /// </summary>
    public static void RotateAdd<T>(ReadOnlySpan<T> source, Span<T> destination, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => RotaryKernel.Rotate(source, destination, cos, sin, transpose: false, accumulate: true);
}
