using System.Numerics;
using System.Numerics.Tensors;

namespace Peft.Kernels;

/// <summary>
/// The m = 1 case (one input row, as in batch-1 inference): packing B would cost as much as the product,
/// so it is done directly with <see cref="TensorPrimitives"/> on the stored rows.
/// </summary>
internal static class GemmSingleRow
{
    /// <summary>
    /// <c>c[j] = alpha · Σ_p a[p] · op(B)[p, j] + beta · c[j]</c> for j &lt; n, when the single row of op(A) is
    /// contiguous (A not transposed, or transposed with lda = 1); returns false otherwise.
    /// </summary>
    public static bool TryMultiply<T>(
        MatrixTranspose transA, MatrixTranspose transB, int n, int k, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (transA == MatrixTranspose.Transpose && lda != 1)
        {
            return false;
        }

        ReadOnlySpan<T> row = a[..k];
        Span<T> output = c[..n];
        if (transB == MatrixTranspose.Transpose)
        {
            // Bᵀ stored n×k: every output is a dot product with a stored row of B.
            for (int j = 0; j < n; j++)
            {
                T dot = TensorPrimitives.Dot(row, b.Slice(j * ldb, k));
                output[j] = T.IsZero(beta) ? alpha * dot : (alpha * dot) + (beta * output[j]);
            }

            return true;
        }

        // B stored k×n: c = beta·c, then c += (alpha·a[p]) · B[p, :] for every p.
        GemmBeta.Scale(output, beta);
        for (int p = 0; p < k; p++)
        {
            TensorPrimitives.MultiplyAdd<T>(b.Slice(p * ldb, n), alpha * row[p], output, output);
        }

        return true;
    }
}
