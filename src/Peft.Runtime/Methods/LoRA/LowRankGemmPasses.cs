using System.ComponentModel;
using System.Numerics;
using Peft.Kernels;

namespace Peft.Generated;

/// <summary>
/// The LoRA forward, backward and merge on the packed GEMM (<see cref="Gemm"/>), for any rank: what the loop path
/// (<see cref="LowRankPasses{T, TLoops}"/>, <see cref="RuntimeLoRAKernel{T}"/>) switches to from the rank
/// <see cref="LowRankCrossover"/> names, and what a generated kernel calls directly when its rank is above the
/// largest the generator unrolls. No scratch and no transposes: B <c>[out, r]</c> is read transposed by the GEMM.
/// Each product is one GEMM on every core (the GEMM's own threading: results do not depend on the thread count).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LowRankGemmPasses<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>LoRA forward of <paramref name="layer"/> at rank <paramref name="rank"/>: <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>.</summary>
    public static void Forward(
        string layer, int rank, ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, Span<T> xa, Span<T> y,
        int batch, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckForward(layer, rank, x, a, b, xa, y, batch, inFeatures, outFeatures);

        // xa[batch, r] = x[batch, in]·A[r, in]ᵀ
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch, rank, inFeatures,
            T.One, x, inFeatures, a, inFeatures, T.Zero, xa, rank);

        // y[batch, out] += s·xa[batch, r]·B[out, r]ᵀ
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch, outFeatures, rank,
            scale, xa, rank, b, rank, T.One, y, outFeatures);
    }

    /// <summary>
    /// LoRA backward of <paramref name="layer"/> at rank <paramref name="rank"/> (empty gradient spans are skipped), with
    /// <c>g = dY·B</c> written to <paramref name="dyB"/>: <c>dB += s·dYᵀ·xa</c>, <c>dA += s·gᵀ·x</c>, <c>dX += s·g·A</c>.
    /// </summary>
    public static void Backward(
        string layer, int rank, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa, T scale,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient, int batch, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckBackward(layer, rank, x, dy, a, b, xa, dyB, aGradient, bGradient, inputGradient, batch, inFeatures, outFeatures);
        if (!bGradient.IsEmpty)
        {
            // dB[out, r] += s·dY[batch, out]ᵀ·xa[batch, r]
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, outFeatures, rank, batch,
                scale, dy, outFeatures, xa, rank, T.One, bGradient, rank);
        }

        if (aGradient.IsEmpty && inputGradient.IsEmpty)
        {
            return;
        }

        // g[batch, r] = dY[batch, out]·B[out, r]
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, rank, outFeatures,
            T.One, dy, outFeatures, b, rank, T.Zero, dyB, rank);
        if (!aGradient.IsEmpty)
        {
            // dA[r, in] += s·g[batch, r]ᵀ·x[batch, in]
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, rank, inFeatures, batch,
                scale, dyB, rank, x, inFeatures, T.One, aGradient, inFeatures);
        }

        if (!inputGradient.IsEmpty)
        {
            // dX[batch, in] += s·g[batch, r]·A[r, in]
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, inFeatures, rank,
                scale, dyB, rank, a, inFeatures, T.One, inputGradient, inFeatures);
        }
    }

    /// <summary>The merge of <paramref name="layer"/>: <c>W[out, in] += scale·B·A</c> (scale = ±s).</summary>
    public static void AddDeltaWeight(
        string layer, int rank, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, Span<T> weight, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckMerge(layer, rank, a, b, weight, inFeatures, outFeatures);
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, outFeatures, inFeatures, rank,
            scale, b, rank, a, inFeatures, T.One, weight, inFeatures);
    }
}
