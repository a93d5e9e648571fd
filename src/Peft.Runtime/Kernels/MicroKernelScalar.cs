using System.Numerics;
using System.Runtime.CompilerServices;

namespace Peft.Kernels;

/// <summary>
/// Portable 4×4 register tile in plain scalar arithmetic, for machines without vector FMA:
/// <c>c[i][j] += a(i, p) · b(p, j)</c> over the packed panels.
/// </summary>
internal readonly unsafe struct MicroKernelScalar<T> : IGemmMicroKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Rows = 4;
    private const int Columns = 4;

    public static int Mr => Rows;

    public static int Nr => Columns;

    public static void Run(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta)
    {
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero;
        T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero;
        T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            T b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            T a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            T a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            T a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            T a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += Rows;
            b += Columns;
        }

        UpdateRow(c, c00, c01, c02, c03, alpha, beta);
        UpdateRow(c + ldc, c10, c11, c12, c13, alpha, beta);
        UpdateRow(c + (2 * ldc), c20, c21, c22, c23, alpha, beta);
        UpdateRow(c + (3 * ldc), c30, c31, c32, c33, alpha, beta);
    }

    // C = alpha·acc + beta·C; beta = 0 never reads C (it may hold NaN).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(T* c, T x0, T x1, T x2, T x3, T alpha, T beta)
    {
        if (T.IsZero(beta))
        {
            c[0] = alpha * x0;
            c[1] = alpha * x1;
            c[2] = alpha * x2;
            c[3] = alpha * x3;
        }
        else
        {
            c[0] = (alpha * x0) + (beta * c[0]);
            c[1] = (alpha * x1) + (beta * c[1]);
            c[2] = (alpha * x2) + (beta * c[2]);
            c[3] = (alpha * x3) + (beta * c[3]);
        }
    }
}
