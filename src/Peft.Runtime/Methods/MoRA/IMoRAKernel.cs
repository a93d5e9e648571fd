using System.Numerics;

namespace Peft.Generated;

/// <summary>
/// The hot loops of a MoRA adapter for one layer shape (see <see cref="MoRAShape"/> for the
/// operators). <see cref="RuntimeMoRAKernel{T}"/> is the generic implementation and the reference.
/// </summary>
/// <remarks>
/// Shapes (row-major): <c>x[batch, in]</c>, <c>M[r̂, r̂]</c>, <c>y, dY[batch, out]</c>; the compressed
/// and mixed buffers hold <see cref="MoRAShape.CompressedLength"/> elements
/// (<c>[batch·RowsPerItem, r̂]</c>). Forward writes the compressed input into <c>compressed</c>, which
/// <see cref="Backward"/> reads back.
/// </remarks>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface IMoRAKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The geometry the kernel is built for (in, out, r̂, type).</summary>
    MoRAShape Shape { get; }

    /// <summary><c>c = compress(x)</c>, <c>h = c·Mᵀ</c>, <c>y += decompress(h)</c>.</summary>
    void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> m, Span<T> compressed, Span<T> mixed, Span<T> y, int batch);

    /// <summary>
    /// <c>dh = decompressᵀ(dY)</c> into <paramref name="mixedGradient"/>; <c>dM += dhᵀ·c</c>;
    /// <c>dc = dh·M</c> into <paramref name="compressedGradient"/>; <c>dX += compressᵀ(dc)</c>.
    /// An empty <paramref name="mGradient"/> or <paramref name="inputGradient"/> skips that product.
    /// </summary>
    void Backward(
        ReadOnlySpan<T> dy, ReadOnlySpan<T> m, ReadOnlySpan<T> compressed,
        Span<T> mixedGradient, Span<T> compressedGradient, Span<T> mGradient, Span<T> inputGradient, int batch);
}
