using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Peft.Kernels;

/// <summary>
/// Vector fast path of <see cref="GemmPacking"/>'s transposing copy: <c>width</c> source rows, each
/// contiguous along p, become one micro-panel with the row index fastest,
/// <c>dst[p·width + r] = src[r·ld + p]</c>. With AVX it moves 8×8 float (or 4×4 double) blocks through
/// registers instead of one element at a time.
/// </summary>
internal static unsafe class GemmTranspose
{
    /// <summary>Interleaves a full panel; returns false (and writes nothing) when no vector path fits.</summary>
    public static bool TryInterleave<T>(T* src, nint ld, int kc, int width, T* dst)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!Avx.IsSupported)
        {
            return false;
        }

        if (typeof(T) == typeof(float) && width % 8 is 0 or 6)
        {
            InterleaveFloat((float*)src, ld, kc, width, (float*)dst);
            return true;
        }

        if (typeof(T) == typeof(double) && width % 4 is 0 or 2)
        {
            InterleaveDouble((double*)src, ld, kc, width, (double*)dst);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Interleaves <paramref name="width"/> rows (a multiple of 8, or 8q + 6: the AVX2 kernel's Mr = 6) in groups of 8;
    /// a last group of 6 rows is transposed in 6×8 blocks.
    /// </summary>

    private static void InterleaveFloat(float* src, nint ld, int kc, int width, float* dst)
    {
        for (int g = 0; g < width; g += 8)
        {
            float* s = src + (g * ld);
            int rows = Math.Min(8, width - g);
            int p = 0;
            if (rows == 8)
            {
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(s + p, ld, dst + ((nint)p * width) + g, width);
                }
            }
            else
            {
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose6x8(s + p, ld, dst + ((nint)p * width) + g, width);
                }
            }

            for (; p < kc; p++)
            {
                for (int r = 0; r < rows; r++)
                {
                    dst[((nint)p * width) + g + r] = s[(r * ld) + p];
                }
            }
        }
    }

    private static void InterleaveDouble(double* src, nint ld, int kc, int width, double* dst)
    {
        for (int g = 0; g < width; g += 4)
        {
            double* s = src + (g * ld);
            int rows = Math.Min(4, width - g);
            int p = 0;
            if (rows == 4)
            {
                for (; p + 4 <= kc; p += 4)
                {
                    Transpose4x4(s + p, ld, dst + ((nint)p * width) + g, width);
                }
            }
            else
            {
                for (; p + 4 <= kc; p += 4)
                {
                    Transpose2x4(s + p, ld, dst + ((nint)p * width) + g, width);
                }
            }

            for (; p < kc; p++)
            {
                for (int r = 0; r < rows; r++)
                {
                    dst[((nint)p * width) + g + r] = s[(r * ld) + p];
                }
            }
        }
    }

    // out[p·stride + r] = in[r·ld + p] for an 8×8 block: unpack pairs, shuffle quads, swap 128-bit halves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, nint ld, float* d, nint stride)
    {
        Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ld);
        Vector256<float> r2 = Avx.LoadVector256(s + (2 * ld)), r3 = Avx.LoadVector256(s + (3 * ld));
        Vector256<float> r4 = Avx.LoadVector256(s + (4 * ld)), r5 = Avx.LoadVector256(s + (5 * ld));
        Vector256<float> r6 = Avx.LoadVector256(s + (6 * ld)), r7 = Avx.LoadVector256(s + (7 * ld));

        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + stride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + (2 * stride), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + (3 * stride), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + (4 * stride), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + (5 * stride), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + (6 * stride), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + (7 * stride), Avx.Permute2x128(u3, u7, 0x31));
    }

    // out[p·stride + r] = in[r·ld + p] for r < 6, p < 8: the 8×8 transpose's first two stages; rows 0–3 of each
    // output row come from the quad shuffles, rows 4 and 5 straight from the (r4, r5) unpacks (stored as 4 + 2 floats).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose6x8(float* s, nint ld, float* d, nint stride)
    {
        Vector256<float> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ld);
        Vector256<float> r2 = Avx.LoadVector256(s + (2 * ld)), r3 = Avx.LoadVector256(s + (3 * ld));
        Vector256<float> r4 = Avx.LoadVector256(s + (4 * ld)), r5 = Avx.LoadVector256(s + (5 * ld));

        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);

        // Rows 4 and 5 of each output row p: the (r4[p], r5[p]) pairs of t4 / t5, two floats each.
        Store6(d, u0, t4.GetLower());
        Store6(d + stride, u1, Sse.MoveHighToLow(t4.GetLower(), t4.GetLower()));
        Store6(d + (2 * stride), u2, t5.GetLower());
        Store6(d + (3 * stride), u3, Sse.MoveHighToLow(t5.GetLower(), t5.GetLower()));
        Store6(d + (4 * stride), u0.GetUpper(), t4.GetUpper());
        Store6(d + (5 * stride), u1.GetUpper(), Sse.MoveHighToLow(t4.GetUpper(), t4.GetUpper()));
        Store6(d + (6 * stride), u2.GetUpper(), t5.GetUpper());
        Store6(d + (7 * stride), u3.GetUpper(), Sse.MoveHighToLow(t5.GetUpper(), t5.GetUpper()));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store6(float* d, Vector256<float> first4, Vector128<float> last2) => Store6(d, first4.GetLower(), last2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store6(float* d, Vector128<float> first4, Vector128<float> last2)
    {
        Sse.Store(d, first4);
        Sse.StoreLow(d + 4, last2);
    }

    // out[p·stride + r] = in[r·ld + p] for r < 2, p < 4 (doubles): the (r0[p], r1[p]) pairs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose2x4(double* s, nint ld, double* d, nint stride)
    {
        Vector256<double> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ld);
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Sse2.Store(d, t0.GetLower());
        Sse2.Store(d + stride, t1.GetLower());
        Sse2.Store(d + (2 * stride), t0.GetUpper());
        Sse2.Store(d + (3 * stride), t1.GetUpper());
    }

    // out[p·stride + r] = in[r·ld + p] for a 4×4 block of doubles.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(double* s, nint ld, double* d, nint stride)
    {
        Vector256<double> r0 = Avx.LoadVector256(s), r1 = Avx.LoadVector256(s + ld);
        Vector256<double> r2 = Avx.LoadVector256(s + (2 * ld)), r3 = Avx.LoadVector256(s + (3 * ld));
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(d, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(d + stride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(d + (2 * stride), Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(d + (3 * stride), Avx.Permute2x128(t1, t3, 0x31));
    }
}
