using System.Numerics;
using Peft.Kernels;

namespace Peft.Tests.Testing;

/// <summary>
/// The plain triple loop that defines what GEMM computes. Slow on purpose: it is the oracle the
/// tests check <see cref="Gemm"/>'s packed kernels against (evaluated in double precision).
/// </summary>
internal static class ReferenceGemm
{
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
        bool ta = transA == MatrixTranspose.Transpose;
        bool tb = transB == MatrixTranspose.Transpose;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T aip = ta ? a[p * lda + i] : a[i * lda + p];
                    T bpj = tb ? b[j * ldb + p] : b[p * ldb + j];
                    sum += aip * bpj;
                }

                ref T cij = ref c[i * ldc + j];
                cij = T.IsZero(beta) ? alpha * sum : alpha * sum + beta * cij;
            }
        }
    }
}
