namespace Peft.Kernels;

/// <summary>Argument validation shared by every GEMM entry point.</summary>
internal static class GemmArguments
{
    public static void Validate(
        MatrixTranspose transA,
        MatrixTranspose transB,
        int m,
        int n,
        int k,
        int aLength,
        int lda,
        int bLength,
        int ldb,
        int cLength,
        int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentException($"GEMM dimensions must be non-negative, got m={m}, n={n}, k={k}.");
        }

        bool ta = transA == MatrixTranspose.Transpose;
        bool tb = transB == MatrixTranspose.Transpose;
        CheckOperand("A", ta ? k : m, ta ? m : k, aLength, lda, ta, m, n, k);
        CheckOperand("B", tb ? n : k, tb ? k : n, bLength, ldb, tb, m, n, k);
        CheckOperand("C", m, n, cLength, ldc, false, m, n, k);
    }

    private static void CheckOperand(string name, int rows, int cols, int length, int ld, bool transposed, int m, int n, int k)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentException(
                $"GEMM (m={m}, n={n}, k={k}): {name} is stored [{rows}×{cols}]{(transposed ? " (transposed)" : "")}, " +
                $"so its leading dimension must be at least {Math.Max(1, cols)}, got {ld}.");
        }

        if (rows == 0 || cols == 0)
        {
            return;
        }

        long required = (long)(rows - 1) * ld + cols;
        if (length < required)
        {
            throw new ArgumentException(
                $"GEMM (m={m}, n={n}, k={k}): {name} is stored [{rows}×{cols}] with leading dimension {ld}{(transposed ? " (transposed)" : "")}, " +
                $"which needs {required} elements, but the span holds {length}.");
        }
    }
}
