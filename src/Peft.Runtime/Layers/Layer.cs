using System.Numerics;

namespace Peft;

/// <summary>
/// The base of single-input layers: remembers the input and the output of the latest
/// <see cref="Forward"/>, checks the shapes a <see cref="Backward(Tensor{T}, Tensor{T})"/> receives, and
/// offers <see cref="Backward(Tensor{T})"/>, which returns <c>dL/dX</c> in a buffer the layer owns.
/// Derived layers implement <see cref="ForwardCore"/> and <see cref="BackwardCore"/>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class Layer<T> : Module, ILayer<T>, IForwardInputs<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private Tensor<T>? _input;
    private Tensor<T>? _output;
    private Tensor<T>? _inputGradient;
    private readonly int[] _inputShape = new int[Tensor<T>.MaxRank];
    private int _inputRank;

    /// <inheritdoc />
    public Tensor<T> Forward(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = ForwardCore(input);
        _input = input;
        _output = output;
        input.Shape.CopyTo(_inputShape);
        _inputRank = input.Rank;
        return output;
    }

    /// <inheritdoc />
    public void Backward(Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var input = SavedInput();
        if (!outputGradient.Shape.SequenceEqual(_output!.Shape))
        {
            throw new ArgumentException(
                $"{Describe()}: output gradient is {outputGradient.ShapeText()}, the forward output was {_output.ShapeText()}.",
                nameof(outputGradient));
        }

        if (inputGradient is not null && !inputGradient.Shape.SequenceEqual(input.Shape))
        {
            throw new ArgumentException(
                $"{Describe()}: input gradient is {inputGradient.ShapeText()}, the forward input was {input.ShapeText()}.",
                nameof(inputGradient));
        }

        BackwardCore(input, outputGradient, inputGradient);
    }

    /// <summary>
    /// Back-propagates <paramref name="outputGradient"/> as <see cref="Backward(Tensor{T}, Tensor{T})"/> and
    /// returns <c>dL/dX</c> in a tensor the layer owns (overwritten by its next call).
    /// </summary>
    public Tensor<T> Backward(Tensor<T> outputGradient)
    {
        _inputGradient ??= new Tensor<T>(0);
        _inputGradient.ZeroLike(SavedInput());
        Backward(outputGradient, _inputGradient);
        return _inputGradient;
    }

    /// <summary>The input of the latest <see cref="Forward"/> (<paramref name="index"/> 0: a layer has one input).</summary>
    /// <exception cref="InvalidOperationException">No forward pass has run yet.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0.</exception>
    public Tensor<T> ForwardInput(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(index, 0);
        return SavedInput();
    }

    /// <summary>Computes the output of <paramref name="input"/> into a tensor the layer owns.</summary>
    protected abstract Tensor<T> ForwardCore(Tensor<T> input);

    /// <summary>
    /// Accumulates parameter gradients and adds <c>dL/dX</c> to <paramref name="inputGradient"/> unless it
    /// is <see langword="null"/>; shapes are already checked against the latest forward pass.
    /// </summary>
    protected abstract void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient);

    /// <summary>The layer as error messages name it (its type; layers with a shape add it).</summary>
    protected virtual string Describe() => GetType().Name.Split('`')[0];

    private Tensor<T> SavedInput()
    {
        if (_input is null)
        {
            throw new InvalidOperationException($"{Describe()}: Backward needs a preceding Forward.");
        }

        if (!_input.Shape.SequenceEqual(_inputShape.AsSpan(0, _inputRank)))
        {
            throw new InvalidOperationException(
                $"{Describe()}: its forward input changed shape from {Tensor<T>.ShapeText(_inputShape.AsSpan(0, _inputRank))} to {_input.ShapeText()} " +
                "before Backward; the input must stay unchanged between Forward and Backward.");
        }

        return _input;
    }
}
