using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Peft.Kernels;

/// <summary>
/// 6×(2·Vector256&lt;T&gt;.Count) register tile with Vector256 FMA: 12 accumulators, two B vectors and a
/// broadcast of A per step of p, i.e. <c>c[i][j..j+W) += a(i, p) · b(p, j..j+W)</c>.
/// </summary>
internal readonly unsafe struct MicroKernel256<T> : IGemmMicroKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Rows = 6;

    public static int Mr => Rows;

    public static int Nr => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta)
    {
        int w = Vector256<T>.Count;

        // Pull the C tile towards L1 while the products are computed; it is written only at the end.
        if (Sse.IsSupported)
        {
            for (int i = 0; i < Rows; i++)
            {
                Sse.Prefetch0(c + (i * ldc));
                Sse.Prefetch0(c + (i * ldc) + (2 * w) - 1);
            }
        }

        Vector256<T> c00 = Vector256<T>.Zero, c01 = Vector256<T>.Zero;
        Vector256<T> c10 = Vector256<T>.Zero, c11 = Vector256<T>.Zero;
        Vector256<T> c20 = Vector256<T>.Zero, c21 = Vector256<T>.Zero;
        Vector256<T> c30 = Vector256<T>.Zero, c31 = Vector256<T>.Zero;
        Vector256<T> c40 = Vector256<T>.Zero, c41 = Vector256<T>.Zero;
        Vector256<T> c50 = Vector256<T>.Zero, c51 = Vector256<T>.Zero;

        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + w);
            Vector256<T> a0 = Vector256.Create(a[0]);
            c00 = VectorFma.MultiplyAdd(a0, b0, c00);
            c01 = VectorFma.MultiplyAdd(a0, b1, c01);
            Vector256<T> a1 = Vector256.Create(a[1]);
            c10 = VectorFma.MultiplyAdd(a1, b0, c10);
            c11 = VectorFma.MultiplyAdd(a1, b1, c11);
            Vector256<T> a2 = Vector256.Create(a[2]);
            c20 = VectorFma.MultiplyAdd(a2, b0, c20);
            c21 = VectorFma.MultiplyAdd(a2, b1, c21);
            Vector256<T> a3 = Vector256.Create(a[3]);
            c30 = VectorFma.MultiplyAdd(a3, b0, c30);
            c31 = VectorFma.MultiplyAdd(a3, b1, c31);
            Vector256<T> a4 = Vector256.Create(a[4]);
            c40 = VectorFma.MultiplyAdd(a4, b0, c40);
            c41 = VectorFma.MultiplyAdd(a4, b1, c41);
            Vector256<T> a5 = Vector256.Create(a[5]);
            c50 = VectorFma.MultiplyAdd(a5, b0, c50);
            c51 = VectorFma.MultiplyAdd(a5, b1, c51);
            a += Rows;
            b += 2 * w;
        }

        Vector256<T> va = Vector256.Create(alpha);
        if (T.IsZero(beta))
        {
            StoreRow(c + (0 * ldc), w, c00 * va, c01 * va);
            StoreRow(c + (1 * ldc), w, c10 * va, c11 * va);
            StoreRow(c + (2 * ldc), w, c20 * va, c21 * va);
            StoreRow(c + (3 * ldc), w, c30 * va, c31 * va);
            StoreRow(c + (4 * ldc), w, c40 * va, c41 * va);
            StoreRow(c + (5 * ldc), w, c50 * va, c51 * va);
        }
        else
        {
            Vector256<T> vb = Vector256.Create(beta);
            UpdateRow(c + (0 * ldc), w, c00, c01, va, vb);
            UpdateRow(c + (1 * ldc), w, c10, c11, va, vb);
            UpdateRow(c + (2 * ldc), w, c20, c21, va, vb);
            UpdateRow(c + (3 * ldc), w, c30, c31, va, vb);
            UpdateRow(c + (4 * ldc), w, c40, c41, va, vb);
            UpdateRow(c + (5 * ldc), w, c50, c51, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, int w, Vector256<T> x0, Vector256<T> x1)
    {
        x0.Store(c);
        x1.Store(c + w);
    }

    // C = alpha·acc + beta·C, one row of the tile.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(T* c, int w, Vector256<T> x0, Vector256<T> x1, Vector256<T> va, Vector256<T> vb)
    {
        VectorFma.MultiplyAdd(x0, va, Vector256.Load(c) * vb).Store(c);
        VectorFma.MultiplyAdd(x1, va, Vector256.Load(c + w) * vb).Store(c + w);
    }
}
