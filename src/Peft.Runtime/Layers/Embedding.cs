using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// A lookup table (PyTorch's <c>nn.Embedding</c>): row <c>id</c> of the weight <c>[num, dim]</c> for every
/// token id. Backward scatters the output gradient back into the rows that were read.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Embedding<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private Tensor<int>? _ids;
    private EmbeddingLoRAAdapter<T>? _adapter;
    private readonly int[] _idsShape = new int[Tensor<int>.MaxRank];
    private int _idsRank;

    /// <summary>Creates a table of <paramref name="numEmbeddings"/> rows of <paramref name="embeddingDim"/> values, initialised N(0, 1) as PyTorch does.</summary>
    /// <param name="numEmbeddings">The number of rows (vocabulary size); positive.</param>
    /// <param name="embeddingDim">The row width; positive.</param>
    /// <param name="random">The source of the initial values; a fixed-seed generator when null.</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public Embedding(int numEmbeddings, int embeddingDim, Random? random = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
        {
            throw new ArgumentException($"Embedding needs positive sizes, got num={numEmbeddings}, dim={embeddingDim}.");
        }

        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        Weight = RegisterParameter(new Parameter<T>("weight", [numEmbeddings, embeddingDim], ParameterRole.EmbeddingWeight));
        random ??= new Random(0);
        var values = Weight.Value;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateTruncating(NormalSample.Next(random));
        }
    }

    /// <summary>The number of rows (ids run over <c>[0, NumEmbeddings)</c>).</summary>
    public int NumEmbeddings { get; }

    /// <summary>The row width.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The table, <c>[num, dim]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <summary>The LoRA adapter attached with <c>AttachLoRA</c>, or <see langword="null"/>.</summary>
    public EmbeddingLoRAAdapter<T>? Adapter => _adapter;

    /// <summary>
    /// Looks up every id: the output has shape <c>ids.Shape + [dim]</c> (so <paramref name="ids"/> has rank 1 to 3)
    /// and belongs to the layer. <paramref name="ids"/> is remembered for <see cref="Backward"/>.
    /// </summary>
    /// <exception cref="ArgumentException">An id lies outside <c>[0, num)</c> (the message names the id and its
    /// position), or <paramref name="ids"/> has rank 4.</exception>
    public Tensor<T> Forward(Tensor<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Rank >= Tensor<int>.MaxRank)
        {
            throw new ArgumentException($"{Describe()}: ids are {ids.ShapeText()}; at most rank {Tensor<int>.MaxRank - 1} (the output adds a dimension).", nameof(ids));
        }

        var idSpan = ids.Span;
        for (int i = 0; i < idSpan.Length; i++)
        {
            if ((uint)idSpan[i] >= (uint)NumEmbeddings)
            {
                throw new ArgumentException(
                    $"{Describe()}: id {idSpan[i]} at position {Position(ids, i)} of ids {ids.ShapeText()} is outside [0, {NumEmbeddings}).", nameof(ids));
            }
        }

        Span<int> shape = stackalloc int[Tensor<int>.MaxRank];
        ids.Shape.CopyTo(shape);
        shape[ids.Rank] = EmbeddingDim;
        _output.Reshape(shape[..(ids.Rank + 1)]);
        var table = Weight.Value.AsSpan();
        var y = _output.Span;
        for (int i = 0; i < idSpan.Length; i++)
        {
            table.Slice(idSpan[i] * EmbeddingDim, EmbeddingDim).CopyTo(y.Slice(i * EmbeddingDim, EmbeddingDim));
        }

        _adapter?.Forward(idSpan, y);
        _ids = ids;
        ids.Shape.CopyTo(_idsShape);
        _idsRank = ids.Rank;
        return _output;
    }

    /// <summary>
    /// Back-propagates <c>dL/dY</c> of the latest <see cref="Forward"/>: when the weight is trainable,
    /// <c>dW[id] += dY[position]</c> for every position; the adapter, if any, accumulates its own gradients.
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass preceded it, or the ids changed shape since.</exception>
    /// <exception cref="ArgumentException"><paramref name="outputGradient"/> is not shaped as the forward output.</exception>
    public void Backward(Tensor<T> outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_ids is null)
        {
            throw new InvalidOperationException($"{Describe()}: Backward needs a preceding Forward.");
        }

        if (!_ids.Shape.SequenceEqual(_idsShape.AsSpan(0, _idsRank)))
        {
            throw new InvalidOperationException($"{Describe()}: the ids changed shape to {_ids.ShapeText()} between Forward and Backward.");
        }

        if (!outputGradient.Shape.SequenceEqual(_output.Shape))
        {
            throw new ArgumentException(
                $"{Describe()}: output gradient is {outputGradient.ShapeText()}, the forward output was {_output.ShapeText()}.", nameof(outputGradient));
        }

        if (Weight.Trainable)
        {
            var ids = _ids.Span;
            var dy = outputGradient.Span;
            var dw = Weight.Gradient.AsSpan();
            for (int i = 0; i < ids.Length; i++)
            {
                var row = dw.Slice(ids[i] * EmbeddingDim, EmbeddingDim);
                TensorPrimitives.Add(row, dy.Slice(i * EmbeddingDim, EmbeddingDim), row);
            }
        }

        _adapter?.Backward(_ids.Span, outputGradient.Span);

    }

    /// <summary>Registers <paramref name="adapter"/> as the child named by it and makes it this table's adapter.</summary>
    internal void SetAdapter(EmbeddingLoRAAdapter<T> adapter)
    {
        if (_adapter is not null)
        {
            throw new ArgumentException($"{Describe()}: already has the adapter '{_adapter.Name}'; an embedding holds one.", nameof(adapter));
        }

        RegisterModule(adapter.Name, adapter);
        _adapter = adapter;
    }

    /// <summary>The layer as error messages name it.</summary>
    internal string Describe() => $"Embedding [{NumEmbeddings}, {EmbeddingDim}]";

    /// <summary>Flat index <paramref name="index"/> of a tensor of <paramref name="ids"/>' shape written as <c>[i, j, …]</c>.</summary>
    internal static string Position(Tensor<int> ids, int index)
    {
        Span<int> position = stackalloc int[Tensor<int>.MaxRank];
        var shape = ids.Shape;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            position[d] = index % shape[d];
            index /= shape[d];
        }

        return Tensor<int>.ShapeText(position[..shape.Length]);
    }
}
