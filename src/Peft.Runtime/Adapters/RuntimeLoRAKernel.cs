using System.Numerics;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// The generic LoRA kernel: four GEMMs through <see cref="Gemm"/>, shape- and rank-generic.
/// It defines what every specialized <see cref="ILoRAKernel{T}"/> must compute.
/// </summary>
public sealed class RuntimeLoRAKernel<T> : ILoRAKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Creates the kernel for rank <paramref name="rank"/> (any layer shape).</summary>
    public RuntimeLoRAKernel(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        Rank = rank;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int InFeatures => 0;

    /// <inheritdoc />
    public int OutFeatures => 0;

    /// <inheritdoc />
    public void Forward(
        ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale,
        Span<T> xa, Span<T> y, int batch, int inFeatures, int outFeatures)
    {
        int r = Rank;

        // xa[batch×r] = x[batch×in]·Aᵀ[in×r]
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch, r, inFeatures,
            T.One, x, inFeatures, a, inFeatures, T.Zero, xa, r);

        // y[batch×out] += s·xa[batch×r]·Bᵀ[r×out]
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch, outFeatures, r,
            scale, xa, r, b, r, T.One, y, outFeatures);
    }

    /// <inheritdoc />
    public void Backward(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa, T scale,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient,
        int batch, int inFeatures, int outFeatures)
    {
        int r = Rank;
        if (!bGradient.IsEmpty)
        {
            // dB[out×r] += s·dYᵀ[out×batch]·xa[batch×r]
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, outFeatures, r, batch,
                scale, dy, outFeatures, xa, r, T.One, bGradient, r);
        }

        if (aGradient.IsEmpty && inputGradient.IsEmpty)
        {
            return;
        }

        // g[batch×r] = dY[batch×out]·B[out×r]
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, r, outFeatures,
            T.One, dy, outFeatures, b, r, T.Zero, dyB, r);

        if (!aGradient.IsEmpty)
        {
            // dA[r×in] += s·gᵀ[r×batch]·x[batch×in]
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, r, inFeatures, batch,
                scale, dyB, r, x, inFeatures, T.One, aGradient, inFeatures);
        }

        if (!inputGradient.IsEmpty)
        {
            // dX[batch×in] += s·g[batch×r]·A[r×in]
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, inFeatures, r,
                scale, dyB, r, a, inFeatures, T.One, inputGradient, inFeatures);
        }
    }
}
