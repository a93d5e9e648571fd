using System.Numerics;

namespace Peft;

/// <summary>
/// A key/value prefix of one attention layer (prefix tuning): <see cref="Length"/> virtual positions that every batch
/// row attends to before its own tokens. Row <c>t</c> of the keys is <c>values[t·rowStride + keyOffset ..][..width]</c>
/// (already rotated: the prefix enters as cached keys do), of the values <c>values[t·rowStride + valueOffset ..]</c>;
/// the gradient has the same layout and is <em>added</em> to, summed over the batch. An empty gradient: the prefix is frozen.
/// The memory is bound before each forward pass (<see cref="Bind"/>), so the owner reuses one object per layer.
/// </summary>
internal sealed class AttentionPrefix<T>(int length, int rowStride, int keyOffset, int valueOffset, int width)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private Memory<T> values, gradient;

    /// <summary>Points the prefix at <paramref name="prefixValues"/> and its gradient (empty: frozen).</summary>
    public void Bind(Memory<T> prefixValues, Memory<T> prefixGradient) => (values, gradient) = (prefixValues, prefixGradient);

    /// <summary>The virtual positions.</summary>
    public int Length { get; } = length;

    /// <summary>Whether a backward pass accumulates into the gradient.</summary>
    public bool Trainable => !gradient.IsEmpty;

    /// <summary>The key row of virtual position <paramref name="t"/>, <c>[kvHeads·headDim]</c>.</summary>
    public ReadOnlySpan<T> Key(int t) => values.Span.Slice(t * rowStride + keyOffset, width);

    /// <summary>The value row of virtual position <paramref name="t"/>.</summary>
    public ReadOnlySpan<T> Value(int t) => values.Span.Slice(t * rowStride + valueOffset, width);

    /// <summary>The gradient of <see cref="Key"/>(<paramref name="t"/>).</summary>
    public Span<T> KeyGradient(int t) => gradient.Span.Slice(t * rowStride + keyOffset, width);

    /// <summary>The gradient of <see cref="Value"/>(<paramref name="t"/>).</summary>
    public Span<T> ValueGradient(int t) => gradient.Span.Slice(t * rowStride + valueOffset, width);
}
