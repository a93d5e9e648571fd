using System.Numerics;

namespace Peft.Generated;

/// <summary>
/// The loops of an IA³ adapter on a batch of rows of width <c>n</c> (the output width, or the input width of a
/// feed-forward layer). <see cref="RuntimeIA3Kernel{T}"/> is the generic one and the reference; the source generator
/// emits one per layer with its width a constant.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface IIA3Kernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The row width the kernel is specialized for, or 0 when it accepts any.</summary>
    int Width { get; }

    /// <summary><c>y[b, j] = v[b, j]·l[j]</c> (<paramref name="y"/> may be <paramref name="v"/>).</summary>
    void Scale(ReadOnlySpan<T> v, ReadOnlySpan<T> l, Span<T> y, int batch, int width);

    /// <summary><c>y[b, j] += v[b, j]·l[j]</c>.</summary>
    void ScaleAdd(ReadOnlySpan<T> v, ReadOnlySpan<T> l, Span<T> y, int batch, int width);

    /// <summary><c>dl[j] += Σ_b v[b, j]·g[b, j]</c>: the gradient of a scaling vector.</summary>
    void AccumulateGradient(ReadOnlySpan<T> v, ReadOnlySpan<T> g, Span<T> dl, int batch, int width);
}
