using System.Numerics;
using System.Runtime.InteropServices;

namespace Peft;

/// <summary>
/// The rotate-half rotation of one head vector (transformers' <c>x·cos + rotate_half(x)·sin</c>) with
/// pairs <c>(i, i + D/2)</c>: <c>y₁ = x₁·c − x₂·s</c>, <c>y₂ = x₂·c + x₁·s</c>; its transpose (the backward
/// pass) flips the sign of <c>s</c>. Vectorised over the pairs.
/// </summary>
internal static class RotaryKernel
{
    /// <summary>
    /// Writes (or, when <paramref name="accumulate"/>, adds) the rotation of <paramref name="x"/> into
    /// <paramref name="y"/>; <paramref name="transpose"/> applies the inverse rotation. <paramref name="x"/>
    /// and <paramref name="y"/> may be the same memory when not accumulating.
    /// </summary>
    public static void Rotate<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> cos, ReadOnlySpan<T> sin, bool transpose, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int half = cos.Length;
        var x1 = x[..half];
        var x2 = x.Slice(half, half);
        var y1 = y[..half];
        var y2 = y.Slice(half, half);
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && half >= Vector<T>.Count)
        {
            var vx1 = MemoryMarshal.Cast<T, Vector<T>>(x1);
            var vx2 = MemoryMarshal.Cast<T, Vector<T>>(x2);
            var vy1 = MemoryMarshal.Cast<T, Vector<T>>(y1);
            var vy2 = MemoryMarshal.Cast<T, Vector<T>>(y2);
            var vc = MemoryMarshal.Cast<T, Vector<T>>(cos);
            var vs = MemoryMarshal.Cast<T, Vector<T>>(sin);
            for (int v = 0; v < vc.Length; v++)
            {
                var a = vx1[v];
                var b = vx2[v];
                var s = transpose ? -vs[v] : vs[v];
                var r1 = a * vc[v] - b * s;
                var r2 = b * vc[v] + a * s;
                vy1[v] = accumulate ? vy1[v] + r1 : r1;
                vy2[v] = accumulate ? vy2[v] + r2 : r2;
            }

            i = vc.Length * Vector<T>.Count;
        }

        for (; i < half; i++)
        {
            T a = x1[i], b = x2[i], c = cos[i];
            T s = transpose ? -sin[i] : sin[i];
            T r1 = a * c - b * s;
            T r2 = b * c + a * s;
            y1[i] = accumulate ? y1[i] + r1 : r1;
            y2[i] = accumulate ? y2[i] + r2 : r2;
        }
    }
}
