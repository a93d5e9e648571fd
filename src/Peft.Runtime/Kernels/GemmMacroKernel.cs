using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// The two innermost loops of the blocked GEMM: sweep the micro-kernel over an <c>mc×nc</c> block of C
/// from a packed A block and a packed B block. Edge tiles are computed into a scratch tile and the
/// valid part is merged into C with the same alpha/beta rule.
/// </summary>
internal static unsafe class GemmMacroKernel<T, TKernel>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>
    /// Updates C rows <c>[0, mc)</c> and columns <c>[jrStart, jrEnd)</c> of the block at <paramref name="c"/>.
    /// <paramref name="packedA"/> holds <c>⌈mc/Mr⌉</c> micro-panels of depth kc; <paramref name="packedB"/>
    /// holds micro-panels of width Nr and depth kc starting at column 0 of the block.
    /// </summary>
    public static void Run(T* packedA, T* packedB, int mc, int jrStart, int jrEnd, int kc, T* c, nint ldc, T alpha, T beta)
    {
        int mr = TKernel.Mr;
        int nr = TKernel.Nr;
        T* tile = stackalloc T[mr * nr];
        for (int jr = jrStart; jr < jrEnd; jr += nr)
        {
            int cols = Math.Min(nr, jrEnd - jr);
            T* b = packedB + ((nint)jr * kc);
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                T* a = packedA + ((nint)ir * kc);
                T* cTile = c + ((nint)ir * ldc) + jr;
                if (rows == mr && cols == nr)
                {
                    TKernel.Run(kc, a, b, cTile, ldc, alpha, beta);
                }
                else
                {
                    TKernel.Run(kc, a, b, tile, nr, T.One, T.Zero);
                    MergeEdge(tile, nr, rows, cols, cTile, ldc, alpha, beta);
                }
            }
        }
    }

    // C[i, j] = alpha·tile[i, j] + beta·C[i, j] on the valid rows×cols corner; beta = 0 ignores C.
    private static void MergeEdge(T* tile, int nr, int rows, int cols, T* c, nint ldc, T alpha, T beta)
    {
        bool overwrite = T.IsZero(beta);
        for (int i = 0; i < rows; i++)
        {
            T* t = tile + (i * nr);
            T* ci = c + (i * ldc);
            for (int j = 0; j < cols; j++)
            {
                ci[j] = overwrite ? alpha * t[j] : (alpha * t[j]) + (beta * ci[j]);
            }
        }
    }
}
