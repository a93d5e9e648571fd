using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous micro-panel layout the micro-kernels
/// stream through; transposition is resolved here, so the kernels see one layout only.
/// Partial panels at the matrix edge are padded with zeros, which add nothing to the products.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows <c>[i0, i0+mc)</c> and columns <c>[p0, p0+kc)</c> of op(A) into micro-panels of
    /// <paramref name="mr"/> rows: element (i, p) of panel q lands at <c>dst[q·mr·kc + p·mr + (i − q·mr)]</c>.
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
                // Row p of the stored Aᵀ holds op(A)[i0+ir .. , p] contiguously.
                T* src = a + ((nint)p0 * lda) + i0 + ir;
                for (int p = 0; p < kc; p++, src += lda)
                {
                    T* d = panel + ((nint)p * mr);
                    int i = 0;
                    for (; i < rows; i++)
                    {
                        d[i] = src[i];
                    }

                    for (; i < mr; i++)
                    {
                        d[i] = T.Zero;
                    }
                }
            }
            else if (rows < mr || !GemmInterleave.TryInterleave(a + ((nint)(i0 + ir) * lda) + p0, lda, kc, mr, panel))
            {
                // Each stored row i is contiguous in p: scatter it into column i of the panel.
                for (int i = 0; i < rows; i++)
                {
                    T* src = a + ((nint)(i0 + ir + i) * lda) + p0;
                    T* d = panel + i;
                    for (int p = 0; p < kc; p++)
                    {
                        d[(nint)p * mr] = src[p];
                    }
                }

                for (int i = rows; i < mr; i++)
                {
                    T* d = panel + i;
                    for (int p = 0; p < kc; p++)
                    {
                        d[(nint)p * mr] = T.Zero;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs rows <c>[p0, p0+kc)</c> and columns <c>[j0, j0 + nr)</c> of op(B) into one micro-panel:
    /// element (p, j) lands at <c>dst[p·nrFull + (j − j0)]</c> with <paramref name="nrFull"/> columns per row (zeros past
    /// <paramref name="nr"/>). op(B)[p, j] is <c>b[p·ldb + j]</c>, or <c>b[j·ldb + p]</c> when B is transposed.
    /// </summary>
    public static void PackBPanel<T>(T* b, nint ldb, bool transposed, int p0, int kc, int j0, int nr, int nrFull, T* dst)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (transposed)
        {
            if (nr == nrFull && GemmInterleave.TryInterleave(b + ((nint)j0 * ldb) + p0, ldb, kc, nrFull, dst))
            {
                return;
            }

            // Stored row j of Bᵀ is contiguous in p: scatter it into column j of the panel.
            for (int j = 0; j < nr; j++)
            {
                T* src = b + ((nint)(j0 + j) * ldb) + p0;
                T* d = dst + j;
                for (int p = 0; p < kc; p++)
                {
                    d[(nint)p * nrFull] = src[p];
                }
            }

            for (int j = nr; j < nrFull; j++)
            {
                T* d = dst + j;
                for (int p = 0; p < kc; p++)
                {
                    d[(nint)p * nrFull] = T.Zero;
                }
            }
        }
        else
        {
            T* src = b + ((nint)p0 * ldb) + j0;
            for (int p = 0; p < kc; p++, src += ldb)
            {
                T* d = dst + ((nint)p * nrFull);
                new ReadOnlySpan<T>(src, nr).CopyTo(new Span<T>(d, nr));
                if (nr < nrFull)
                {
                    new Span<T>(d + nr, nrFull - nr).Clear();
                }
            }
        }
    }
}
