using System.Numerics;
using Peft.Generated;

namespace Peft;

/// <summary>The generic IA³ kernel: any width, the shared loops of <see cref="IA3Loops"/>. It defines what a generated kernel computes.</summary>
public sealed class RuntimeIA3Kernel<T> : IIA3Kernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public int Width => 0;

    /// <inheritdoc />
    public void Scale(ReadOnlySpan<T> v, ReadOnlySpan<T> l, Span<T> y, int batch, int width) => IA3Loops.Scale(v, l, y, batch, width);

    /// <inheritdoc />
    public void ScaleAdd(ReadOnlySpan<T> v, ReadOnlySpan<T> l, Span<T> y, int batch, int width) => IA3Loops.ScaleAdd(v, l, y, batch, width);

    /// <inheritdoc />
    public void AccumulateGradient(ReadOnlySpan<T> v, ReadOnlySpan<T> g, Span<T> dl, int batch, int width) =>
        IA3Loops.AccumulateGradient(v, g, dl, batch, width);
}
