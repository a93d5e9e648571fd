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
/// as in BLAS.</para>
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
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        ReferenceGemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>Dense convenience overload: leading dimensions equal the stored row lengths.</summary>
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
            a, transA == MatrixTranspose.None ? k : m,
            b, transB == MatrixTranspose.None ? n : k,
            beta, c, n);
}
