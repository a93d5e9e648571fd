using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft.Generated;

/// <summary>
/// The hot loops of a LoKr adapter, <c>y += s·(W1 ⊗ W2)·x</c>, through the Kronecker structure: with x of one item
/// viewed as <c>X[c, d]</c> (<c>X[i, j] = x[i·d + j]</c>), <c>(W1 ⊗ W2)·x = vec(W1·X·W2ᵀ)</c>, so ΔW is never formed.
/// For a batch: <c>T = X·W2ᵀ</c> (<c>[batch·c, b]</c>, one GEMM), <c>T'</c> its items interleaved to <c>[c, batch·b]</c>,
/// <c>Y' = s·W1·T'</c> (<c>[a, batch·b]</c>, one GEMM), de-interleaved and added to <c>y[batch, a·b]</c>:
/// <c>batch·(c·d·b + a·c·b)</c> multiply-adds instead of <c>batch·out·in</c>. The runtime's
/// <see cref="RuntimeLoKrKernel{T}"/> and the generated kernels supply only the two reorderings.
/// </summary>
/// <remarks>
/// Backward, with <c>G' = dY</c> interleaved to <c>[a, batch·b]</c>: <c>dW1 += s·G'·T'ᵀ</c>, <c>dT' = s·W1ᵀ·G'</c>
/// de-interleaved to <c>dT[batch·c, b]</c>, <c>dW2 += dTᵀ·X</c>, <c>dX += dT·W2</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class LoKrKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly string _layer;

    /// <summary>Sets the geometry the kernel computes.</summary>
    protected LoKrKernel(string layer, LoKrShape shape)
    {
        _layer = layer;
        Shape = shape;
    }

    /// <summary>The Kronecker geometry (a, b, c, d).</summary>
    public LoKrShape Shape { get; }

    /// <summary>
    /// <c>y += s·(W1 ⊗ W2)·x</c> for each of <paramref name="batch"/> rows; <paramref name="saved"/>
    /// (<see cref="LoKrShape.SavedLength"/>) receives <c>T'</c> for <see cref="Backward"/>, <paramref name="work"/>
    /// (<see cref="LoKrShape.WorkLength"/>) is scratch.
    /// </summary>
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> w1, ReadOnlySpan<T> w2, T scale, Span<T> saved, Span<T> work, Span<T> y, int batch)
    {
        (int a, int b, int c, int d) = (Shape.OutLeft, Shape.OutRight, Shape.InLeft, Shape.InRight);
        Check(x.Length, batch * c * d, nameof(x));
        Check(w1.Length, a * c, nameof(w1));
        Check(w2.Length, b * d, nameof(w2));
        Check(saved.Length, Shape.SavedLength(batch), nameof(saved));
        Check(work.Length, Shape.WorkLength(batch), nameof(work));
        Check(y.Length, batch * a * b, nameof(y));
        var t = work[..(batch * c * b)];
        var mixed = work.Slice(batch * c * b, batch * a * b);

        // T[batch·c, b] = X[batch·c, d]·W2ᵀ, then T'[c, batch·b].
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch * c, b, d, T.One, x, d, w2, d, T.Zero, t, b);
        Interleave(t, saved, c, batch);

        // Y'[a, batch·b] = s·W1[a, c]·T', then y[n, p·b + q] += Y'[p, n·b + q].
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, a, batch * b, c, scale, w1, c, saved, batch * b, T.Zero, mixed, batch * b);
        Deinterleave(mixed, y, a, batch, add: true);
    }

    /// <summary>
    /// <c>dW1 += s·G'·T'ᵀ</c>, <c>dW2 += dTᵀ·X</c>, <c>dX += dT·W2</c> for the latest <see cref="Forward"/>'s
    /// <paramref name="saved"/>. An empty gradient span skips that product.
    /// </summary>
    public void Backward(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> w1, ReadOnlySpan<T> w2, T scale, ReadOnlySpan<T> saved, Span<T> work,
        Span<T> w1Gradient, Span<T> w2Gradient, Span<T> inputGradient, int batch)
    {
        (int a, int b, int c, int d) = (Shape.OutLeft, Shape.OutRight, Shape.InLeft, Shape.InRight);
        Check(x.Length, batch * c * d, nameof(x));
        Check(dy.Length, batch * a * b, nameof(dy));
        Check(saved.Length, Shape.SavedLength(batch), nameof(saved));
        Check(work.Length, Shape.WorkLength(batch), nameof(work));
        var g = work[..(batch * a * b)];
        var dtInterleaved = work.Slice(batch * a * b, batch * c * b);
        var dt = work.Slice(batch * (a * b + c * b), batch * c * b);
        Interleave(dy, g, a, batch);
        if (!w1Gradient.IsEmpty)
        {
            // dW1[a, c] += s·G'[a, batch·b]·T'ᵀ.
            Check(w1Gradient.Length, a * c, nameof(w1Gradient));
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, a, c, batch * b, scale, g, batch * b, saved, batch * b, T.One, w1Gradient, c);
        }

        if (w2Gradient.IsEmpty && inputGradient.IsEmpty)
        {
            return;
        }

        // dT'[c, batch·b] = s·W1ᵀ·G', then dT[batch·c, b].
        Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, c, batch * b, a, scale, w1, c, g, batch * b, T.Zero, dtInterleaved, batch * b);
        Deinterleave(dtInterleaved, dt, c, batch, add: false);
        if (!w2Gradient.IsEmpty)
        {
            // dW2[b, d] += dTᵀ·X[batch·c, d].
            Check(w2Gradient.Length, b * d, nameof(w2Gradient));
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, b, d, batch * c, T.One, dt, b, x, d, T.One, w2Gradient, d);
        }

        if (!inputGradient.IsEmpty)
        {
            // dX[batch·c, d] += dT·W2.
            Check(inputGradient.Length, batch * c * d, nameof(inputGradient));
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch * c, d, b, T.One, dt, b, w2, d, T.One, inputGradient, d);
        }
    }

    /// <summary>The merge: <c>W[p·b+q, i·d+j] += factor·s·W1[p,i]·W2[q,j]</c>.</summary>
    public void AddDeltaWeight(ReadOnlySpan<T> w1, ReadOnlySpan<T> w2, T scale, T factor, Span<T> weight)
    {
        (int a, int b, int c, int d) = (Shape.OutLeft, Shape.OutRight, Shape.InLeft, Shape.InRight);
        Check(weight.Length, a * b * c * d, nameof(weight));
        for (int p = 0; p < a; p++)
        {
            for (int q = 0; q < b; q++)
            {
                var row = weight.Slice((p * b + q) * c * d, c * d);
                var w2Row = w2.Slice(q * d, d);
                for (int i = 0; i < c; i++)
                {
                    var target = row.Slice(i * d, d);
                    TensorPrimitives.MultiplyAdd(w2Row, factor * scale * w1[p * c + i], target, target);
                }
            }
        }
    }

    /// <summary>
    /// <c>destination[m, n·b + q] = source[n, m, q]</c> for <c>m &lt; <paramref name="rows"/></c>: the items' blocks of
    /// b columns regrouped by their row m (<c>[batch, rows, b]</c> → <c>[rows, batch·b]</c>).
    /// </summary>
    protected abstract void Interleave(ReadOnlySpan<T> source, Span<T> destination, int rows, int batch);

    /// <summary>The inverse of <see cref="Interleave"/>, <c>destination[n, m, q] (+)= source[m, n·b + q]</c>.</summary>
    protected abstract void Deinterleave(ReadOnlySpan<T> source, Span<T> destination, int rows, int batch, bool add);

    private void Check(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{_layer}: span '{name}' has {actual} elements, expected {expected} ({Shape}).", name);
        }
    }
}
