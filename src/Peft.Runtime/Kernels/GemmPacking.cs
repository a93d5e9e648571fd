using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Peft.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous micro-panel layout the micro-kernels
/// stream through; transposition is resolved here, so the kernels see one layout only.
/// Partial panels at the matrix edge are padded with zeros, which add nothing to the products.
/// </summary>
/// <remarks>
/// A panel of width w (Mr for A, Nr for B) stores element (p, r) at <c>panel[p·w + r]</c>. Whether the
/// source holds the panel's rows r contiguously along p or the other way round decides between the two
/// primitives below: <see cref="Interleave"/> (a transpose) or <see cref="CopyRows"/> (a strided copy).
/// </remarks>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows <c>[i0, i0+mc)</c> and columns <c>[p0, p0+kc)</c> of op(A) into micro-panels of
    /// <paramref name="mr"/> rows: element (i, p) of panel q lands at <c>dst[q·mr·kc + p·mr + (i − i0 − q·mr)]</c>.
    /// op(A)[i, p] is <c>a[i·lda + p]</c>, or <c>a[p·lda + i]</c> when A is transposed.
    /// </summary>
    public static void PackA<T>(T* a, nint lda, bool transposed, int i0, int mc, int p0, int kc, int mr, T* dst)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = dst + ((nint)ir * kc);
            if (transposed)
            {
                CopyRows(a + ((nint)p0 * lda) + i0 + ir, lda, kc, rows, mr, panel);
            }
            else
            {
                Interleave(a + ((nint)(i0 + ir) * lda) + p0, lda, rows, mr, kc, panel);
            }
        }
    }

    /// <summary>
    /// Packs rows <c>[p0, p0+kc)</c> and columns <c>[j0, j0 + nr)</c> of op(B) into one micro-panel:
    /// element (p, j) lands at <c>dst[p·nrFull + (j − j0)]</c>, zeros past <paramref name="nr"/>.
    /// op(B)[p, j] is <c>b[p·ldb + j]</c>, or <c>b[j·ldb + p]</c> when B is transposed.
    /// </summary>
    public static void PackBPanel<T>(T* b, nint ldb, bool transposed, int p0, int kc, int j0, int nr, int nrFull, T* dst)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (transposed)
        {
            Interleave(b + ((nint)j0 * ldb) + p0, ldb, nr, nrFull, kc, dst);
        }
        else
        {
            CopyRows(b + ((nint)p0 * ldb) + j0, ldb, kc, nr, nrFull, dst);
        }
    }

    /// <summary><c>dst[p·width + r] = src[r·ld + p]</c> for r &lt; count, zero for count ≤ r &lt; width, p &lt; kc.</summary>
    private static void Interleave<T>(T* src, nint ld, int count, int width, int kc, T* dst)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (count == width && GemmTranspose.TryInterleave(src, ld, kc, width, dst))
        {
            return;
        }

        // Source row r is contiguous in p: scatter it into column r of the panel.
        for (int r = 0; r < width; r++)
        {
            T* s = src + (r * ld);
            T* d = dst + r;
            for (int p = 0; p < kc; p++)
            {
                d[(nint)p * width] = r < count ? s[p] : T.Zero;
            }
        }
    }

    /// <summary><c>dst[p·width + r] = src[p·ld + r]</c> for r &lt; count, zero for count ≤ r &lt; width, p &lt; kc.</summary>
    private static void CopyRows<T>(T* src, nint ld, int kc, int count, int width, T* dst)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int bytes = count * sizeof(T);
        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            CopySmall((byte*)src, (byte*)dst, bytes);
            if (count < width)
            {
                new Span<T>(dst + count, width - count).Clear();
            }
        }
    }

    /// <summary>
    /// Copies one short row (a micro-panel's width: 24–128 bytes) with vector moves, the last one overlapping the one
    /// before when the size is not a multiple of the vector; a call to memmove per row cost more than the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopySmall(byte* src, byte* dst, int bytes)
    {
        if (bytes >= 32)
        {
            int o = 0;
            for (; o + 32 <= bytes; o += 32)
            {
                Vector256.Store(Vector256.Load(src + o), dst + o);
            }

            if (o < bytes)
            {
                Vector256.Store(Vector256.Load(src + bytes - 32), dst + bytes - 32);
            }
        }
        else if (bytes >= 16)
        {
            Vector128.Store(Vector128.Load(src), dst);
            Vector128.Store(Vector128.Load(src + bytes - 16), dst + bytes - 16);
        }
        else if (bytes >= 8)
        {
            *(ulong*)dst = *(ulong*)src;
            *(ulong*)(dst + bytes - 8) = *(ulong*)(src + bytes - 8);
        }
        else if (bytes >= 4)
        {
            *(uint*)dst = *(uint*)src;
            *(uint*)(dst + bytes - 4) = *(uint*)(src + bytes - 4);
        }
        else
        {
            for (int i = 0; i < bytes; i++)
            {
                dst[i] = src[i];
            }
        }
    }
}
