using System.Numerics;
using System.Numerics.Tensors;

namespace Peft.Generated;

/// <summary>
/// IA³'s row loops (SIMD through <see cref="TensorPrimitives"/>), shared by the runtime kernel and the generated ones:
/// what a generated kernel adds is its layer's width as a constant and the check that it is called on that layer.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public static class IA3Loops
{
    /// <summary><c>y[b, j] = v[b, j]·l[j]</c> row by row.</summary>
    public static void Scale<T>(ReadOnlySpan<T> v, ReadOnlySpan<T> l, Span<T> y, int batch, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            TensorPrimitives.Multiply(v.Slice(b * width, width), l[..width], y.Slice(b * width, width));
        }
    }

    /// <summary><c>y[b, j] += v[b, j]·l[j]</c> row by row.</summary>
    public static void ScaleAdd<T>(ReadOnlySpan<T> v, ReadOnlySpan<T> l, Span<T> y, int batch, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int b = 0; b < batch; b++)
        {
            var row = y.Slice(b * width, width);
            TensorPrimitives.MultiplyAdd(v.Slice(b * width, width), l[..width], row, row);
        }
    }

    /// <summary><c>dl[j] += Σ_b v[b, j]·g[b, j]</c>, one row at a time.</summary>
    public static void AccumulateGradient<T>(ReadOnlySpan<T> v, ReadOnlySpan<T> g, Span<T> dl, int batch, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var gradient = dl[..width];
        for (int b = 0; b < batch; b++)
        {
            TensorPrimitives.MultiplyAdd(v.Slice(b * width, width), g.Slice(b * width, width), gradient, gradient);
        }
    }
}
