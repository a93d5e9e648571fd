using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// A residual connection <c>y = x + f(x)</c> around a layer of equal input and output shape (a
/// transformer sub-block). Backward: <c>dX = dY + f′ᵀ·dY</c>, both parts added to the input gradient.
/// The inner layer is the child <c>"0"</c>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class Residual<T> : Layer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly ILayer<T> _inner;
    private readonly Tensor<T> _output = new(0);

    /// <summary>Wraps <paramref name="inner"/>, a <see cref="Module"/> implementing <see cref="ILayer{T}"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="inner"/> is not an <see cref="ILayer{T}"/>.</exception>
    public Residual(Module inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner as ILayer<T>
            ?? throw new ArgumentException($"Residual: {inner.GetType().Name} is not an ILayer<{typeof(T).Name}>.", nameof(inner));
        RegisterModule("0", inner);
    }

    /// <summary>The wrapped layer.</summary>
    public ILayer<T> Inner => _inner;

    /// <summary><c>y = x + f(x)</c>.</summary>
    /// <exception cref="ArgumentException">The inner layer changes the shape.</exception>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        var inner = _inner.Forward(input);
        if (!inner.Shape.SequenceEqual(input.Shape))
        {
            throw new ArgumentException(
                $"Residual: the inner layer maps {input.ShapeText()} to {inner.ShapeText()}; a residual needs equal shapes.", nameof(input));
        }

        _output.Reshape(input.Shape);
        TensorPrimitives.Add(input.Span, inner.Span, _output.Span);
        return _output;
    }

    /// <summary><c>dX += dY</c> (the skip path) and the inner layer's <c>dX</c>.</summary>
    protected override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        if (inputGradient is not null)
        {
            TensorPrimitives.Add(inputGradient.Span, outputGradient.Span, inputGradient.Span);
        }

        _inner.Backward(outputGradient, inputGradient);
    }
}

/// <summary>A single-precision <see cref="Residual{T}"/>.</summary>
public sealed class Residual(Module inner) : Residual<float>(inner)
{
}
