using System.Numerics;
using System.Numerics.Tensors;

namespace Peft.Kernels;

/// <summary>The <c>C = beta · C</c> step of GEMM paths that do not fold beta into a kernel.</summary>
internal static class GemmBeta
{
    /// <summary><c>row = beta · row</c>; beta = 0 clears, ignoring NaN already there (BLAS semantics).</summary>
    public static void Scale<T>(Span<T> row, T beta)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (T.IsZero(beta))
        {
            row.Clear();
        }
        else if (beta != T.One)
        {
            TensorPrimitives.Multiply<T>(row, beta, row);
        }
    }
}
