using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// General matrix multiply on row-major storage:
/// <c>C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C</c>.
/// </summary>
/// <remarks>
/// <para>op(A) is A when <c>transA</c> is <see cref="MatrixTranspose.None"/> (A stored <c>m×k</c>,
/// row stride <c>lda ≥ k</c>) and Aᵀ otherwise (A stored <c>k×m</c>, <c>lda ≥ m</c>); likewise for B.</para>
/// <para>When <c>beta</c> is zero, C is overwritten and its previous contents (even NaN) are ignored,
/// as in BLAS. When <c>alpha</c> is zero or <c>k</c> is zero, A and B are not read and
/// <c>C = beta · C</c>.</para>
/// <para>The work is done by a packed, cache-blocked kernel (see docs/gemm.md) with a Vector512,
/// Vector256 or scalar micro-kernel chosen at run time, on all cores for large problems. It allocates
/// nothing once each calling thread has made its first call.</para>
/// </remarks>
public static partial class Gemm
{
    /// <summary>Computes <c>C = alpha · op(A) · op(B) + beta · C</c>.</summary>
    /// <exception cref="ArgumentException">A dimension is negative, a leading dimension is too small,
    /// or a span is too short for the shape it is given; the message names the shapes.</exception>
    public static void Multiply<T>(
        MatrixTranspose transA,
        MatrixTranspose transB,
        int m,
        int n,
        int k,
        T alpha,
        ReadOnlySpan<T> a,
        int lda,
        ReadOnlySpan<T> b,
        int ldb,
        T beta,
        Span<T> c,
        int ldc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmIsaDetection.Best, KernelWorkerPool.MaxThreads);

    /// <summary>Dense convenience overload: leading dimensions equal the stored row lengths (at least 1, as BLAS requires).</summary>
    public static void Multiply<T>(
        MatrixTranspose transA,
        MatrixTranspose transB,
        int m,
        int n,
        int k,
        T alpha,
        ReadOnlySpan<T> a,
        ReadOnlySpan<T> b,
        T beta,
        Span<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Multiply(
            transA, transB, m, n, k, alpha,
            a, Math.Max(1, transA == MatrixTranspose.None ? k : m),
            b, Math.Max(1, transB == MatrixTranspose.None ? n : k),
            beta, c, Math.Max(1, n));

    /// <summary>
    /// The full entry point: <paramref name="isa"/> forces a micro-kernel level (tests cover every level on
    /// one machine) and <paramref name="maxThreads"/> caps the participating threads.
    /// </summary>
    internal static unsafe void Multiply<T>(
        MatrixTranspose transA,
        MatrixTranspose transB,
        int m,
        int n,
        int k,
        T alpha,
        ReadOnlySpan<T> a,
        int lda,
        ReadOnlySpan<T> b,
        int ldb,
        T beta,
        Span<T> c,
        int ldc,
        GemmIsa isa,
        int maxThreads)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (!GemmIsaDetection.IsSupported(isa))
        {
            throw new ArgumentException($"GEMM: the {isa} kernels cannot run on this machine.", nameof(isa));
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0 || T.IsZero(alpha))
        {
            ScaleRows(m, n, beta, c, ldc);
            return;
        }

        if (m == 1 && GemmSingleRow.TryMultiply(transA, transB, n, k, alpha, a, lda, b, ldb, beta, c))
        {
            return;
        }

        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            var op = new GemmOperands<T>
            {
                A = pa, Lda = lda, TransA = transA == MatrixTranspose.Transpose,
                B = pb, Ldb = ldb, TransB = transB == MatrixTranspose.Transpose,
                C = pc, Ldc = ldc, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
            };
            switch (isa)
            {
                case GemmIsa.Vector512:
                    GemmDriver<T, MicroKernel512<T>>.Run(op, maxThreads);
                    break;
                case GemmIsa.Vector256:
                    GemmDriver<T, MicroKernel256<T>>.Run(op, maxThreads);
                    break;
                default:
                    GemmDriver<T, MicroKernelScalar<T>>.Run(op, maxThreads);
                    break;
            }
        }
    }

    // C = beta·C row by row; beta = 0 clears (NaN in C is ignored).
    private static void ScaleRows<T>(int m, int n, T beta, Span<T> c, int ldc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            GemmBeta.Scale(c.Slice(i * ldc, n), beta);
        }
    }
}
