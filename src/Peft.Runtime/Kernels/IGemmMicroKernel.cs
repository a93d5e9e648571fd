using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel: it multiplies one packed <c>Mr×kc</c> micro-panel of A
/// by one packed <c>kc×Nr</c> micro-panel of B and updates an <c>Mr×Nr</c> tile of C.
/// </summary>
/// <remarks>
/// Packed layouts (see <see cref="GemmPacking"/>): A micro-panel element (i, p) at <c>a[p·Mr + i]</c>,
/// B micro-panel element (p, j) at <c>b[p·Nr + j]</c>. The kernel computes
/// <c>C[i, j] = alpha · Σ_p a(i, p) · b(p, j) + beta · C[i, j]</c> for the whole tile, reading C
/// only when beta ≠ 0.
/// </remarks>
internal unsafe interface IGemmMicroKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int Nr { get; }

    /// <summary>Updates the full <c>Mr×Nr</c> tile at <paramref name="c"/> (row stride <paramref name="ldc"/>).</summary>
    static abstract void Run(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta);
}
