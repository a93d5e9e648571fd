using System.Runtime.CompilerServices;

namespace Peft;

/// <summary>
/// A dense, row-major array of up to <see cref="MaxRank"/> dimensions: what layers take and return.
/// A layer's output tensor is owned by the layer and reused by its next <c>Forward</c> (grown only when
/// a larger shape comes), so steady-state training steps allocate nothing; read it, or pass it to the
/// next layer, before calling the same layer again. <see cref="Wrap"/> puts a tensor over your own array
/// without copying it.
/// </summary>
/// <typeparam name="T">The element type: <see cref="float"/>/<see cref="double"/> for activations,
/// <see cref="int"/> for token ids and labels.</typeparam>
public sealed class Tensor<T>
    where T : unmanaged
{
    /// <summary>The largest number of dimensions a tensor has.</summary>
    public const int MaxRank = 4;

    private readonly bool _owned;
    private T[] _data;
    private ShapeDims _shape;
    private int _rank;

    /// <summary>Creates a zero-filled tensor of <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">The shape has no dimension, more than <see cref="MaxRank"/>, or a negative one.</exception>
    public Tensor(params ReadOnlySpan<int> shape)
    {
        _owned = true;
        _data = [];
        Reshape(shape);
    }

    private Tensor(T[] data, ReadOnlySpan<int> shape)
    {
        _data = data;
        SetShape(shape);
        if (Length > data.Length)
        {
            throw new ArgumentException(
                $"Tensor: shape {ShapeText(shape)} needs {Length} elements but the array has {data.Length}.", nameof(data));
        }
    }

    /// <summary>
    /// A tensor over <paramref name="data"/> (not copied) with <paramref name="shape"/>; with no shape,
    /// a vector of the whole array. Its shape cannot outgrow the array.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid or needs more elements than the array has.</exception>
    public static Tensor<T> Wrap(T[] data, params ReadOnlySpan<int> shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        return shape.IsEmpty ? new Tensor<T>(data, [data.Length]) : new Tensor<T>(data, shape);
    }

    /// <summary>The number of dimensions.</summary>
    public int Rank => _rank;

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => ((ReadOnlySpan<int>)_shape)[.._rank];

    /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
    public int Length { get; private set; }

    /// <summary>The innermost dimension (the features of a row).</summary>
    public int Width => _shape[_rank - 1];

    /// <summary>The number of rows: every dimension but the innermost, multiplied.</summary>
    public int Rows => Width == 0 ? 0 : Length / Width;

    /// <summary>The elements, row-major.</summary>
    public Span<T> Span => _data.AsSpan(0, Length);

    /// <summary>The elements as memory (for keeping a reference beyond a call).</summary>
    public Memory<T> Memory => _data.AsMemory(0, Length);

    /// <summary>Dimension <paramref name="index"/>; negative indices count from the innermost (−1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">There is no such dimension.</exception>
    public int Size(int index)
    {
        int i = index < 0 ? _rank + index : index;
        if ((uint)i >= (uint)_rank)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Tensor {ShapeText()} has no dimension {index}.");
        }

        return _shape[i];
    }

    /// <summary>
    /// Gives the tensor a new shape. An owned tensor keeps its memory when the new shape fits and
    /// grows it otherwise (the contents are then unspecified); a wrapped one must fit its array.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid, or outgrows a wrapped array.</exception>
    public void Reshape(params ReadOnlySpan<int> shape)
    {
        SetShape(shape);
        if (Length > _data.Length)
        {
            if (!_owned)
            {
                throw new ArgumentException(
                    $"Tensor: shape {ShapeText(shape)} needs {Length} elements but the wrapped array has {_data.Length}.", nameof(shape));
            }

            _data = new T[Length];
        }
    }

    /// <summary>Gives the tensor <paramref name="other"/>'s shape with the innermost dimension set to <paramref name="width"/>.</summary>
    public void ReshapeLike<TOther>(Tensor<TOther> other, int width)
        where TOther : unmanaged
    {
        ArgumentNullException.ThrowIfNull(other);
        Span<int> shape = stackalloc int[MaxRank];
        other.Shape.CopyTo(shape);
        shape[other.Rank - 1] = width;
        Reshape(shape[..other.Rank]);
    }

    /// <summary>Gives the tensor <paramref name="other"/>'s shape and zeroes it (a gradient buffer for <paramref name="other"/>).</summary>
    public void ZeroLike<TOther>(Tensor<TOther> other)
        where TOther : unmanaged
    {
        ArgumentNullException.ThrowIfNull(other);
        Reshape(other.Shape);
        Span.Clear();
    }

    /// <summary>Whether the two tensors have the same shape.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => Shape.SequenceEqual(shape);

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Span.Clear();

    /// <summary>Copies the elements into a new array.</summary>
    public T[] ToArray() => Span.ToArray();

    /// <summary>The shape written as <c>[d0, d1, …]</c>.</summary>
    public string ShapeText() => ShapeText(Shape);

    /// <inheritdoc />
    public override string ToString() => $"Tensor<{typeof(T).Name}> {ShapeText()}";

    internal static string ShapeText(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    private void SetShape(ReadOnlySpan<int> shape)
    {
        if (shape.IsEmpty || shape.Length > MaxRank)
        {
            throw new ArgumentException($"Tensor: a shape has 1 to {MaxRank} dimensions, got {shape.Length}.", nameof(shape));
        }

        long length = 1;
        foreach (int dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Tensor: shape {ShapeText(shape)} has a negative dimension.", nameof(shape));
            }

            length *= dimension;
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"Tensor: shape {ShapeText(shape)} has more elements than an array can hold.", nameof(shape));
            }
        }

        shape.CopyTo(_shape);
        _rank = shape.Length;
        Length = (int)length;
    }

    [InlineArray(MaxRank)]
    private struct ShapeDims
    {
        private int _element0;
    }
}
