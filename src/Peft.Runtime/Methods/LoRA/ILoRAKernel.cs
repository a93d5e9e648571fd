using System.Numerics;

namespace Peft.Generated;

/// <summary>
/// The hot loops of a LoRA adapter on a batch of rows. <see cref="RuntimeLoRAKernel{T}"/> is the
/// generic implementation and the reference; the source generator emits rank-specialized ones.
/// Everything else (parameters, dropout, scratch, merge, optimizer grouping) is shared.
/// </summary>
/// <remarks>
/// Shapes (row-major): <c>x[batch, in]</c>, <c>A[r, in]</c>, <c>B[out, r]</c>, <c>xa[batch, r]</c>,
/// <c>y, dY[batch, out]</c>. <c>scale</c> is s (α/r or α/√r); a specialized kernel may use its
/// constant instead, the adapter checks at attach time that <see cref="Rank"/> and the shape fit.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface ILoRAKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The rank r this kernel computes.</summary>
    int Rank { get; }

    /// <summary>The input width the kernel is specialized for, or 0 when it accepts any.</summary>
    int InFeatures { get; }

    /// <summary>The output width the kernel is specialized for, or 0 when it accepts any.</summary>
    int OutFeatures { get; }

    /// <summary>
    /// <c>xa = x·Aᵀ</c> (overwritten, kept for <see cref="Backward"/>), then <c>y += s·xa·Bᵀ</c>.
    /// </summary>
    void Forward(
        ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale,
        Span<T> xa, Span<T> y, int batch, int inFeatures, int outFeatures);

    /// <summary>
    /// With <c>g = dY·B</c> (written to the scratch <paramref name="dyB"/>, <c>[batch, r]</c>):
    /// <c>dB += s·dYᵀ·xa</c>, <c>dA += s·gᵀ·x</c>, <c>dX += s·g·A</c>. An empty gradient span skips
    /// that product (frozen parameter, or an input that needs no gradient).
    /// </summary>
    void Backward(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa, T scale,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient,
        int batch, int inFeatures, int outFeatures);

    /// <summary>
    /// The merge: <c>W[out, in] += factor·s·B·A</c> (<paramref name="factor"/> is 1 to merge, −1 to unmerge).
    /// </summary>
    void AddDeltaWeight(ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, T factor, Span<T> weight, int inFeatures, int outFeatures);
}
