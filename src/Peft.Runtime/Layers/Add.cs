using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// The element-wise sum <c>y = a + b</c> of two tensors of one shape, as a module: the residual
/// addition of a generated <c>Backward</c> (<c>return Add.Forward(x, Block.Forward(x));</c>). It has no
/// parameters. Backward: <c>dA += dY</c>, <c>dB += dY</c>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class Add<T> : Module, IForwardInputs<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private Tensor<T>? _a;
    private Tensor<T>? _b;

    /// <summary><c>y = a + b</c>, in a tensor the module owns (overwritten by its next call).</summary>
    /// <exception cref="ArgumentException">The shapes differ; the message names both.</exception>
    public Tensor<T> Forward(Tensor<T> a, Tensor<T> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.Shape.SequenceEqual(b.Shape))
        {
            throw new ArgumentException($"Add: a is {a.ShapeText()} and b is {b.ShapeText()}; the shapes must be equal.", nameof(b));
        }

        _output.Reshape(a.Shape);
        TensorPrimitives.Add(a.Span, b.Span, _output.Span);
        _a = a;
        _b = b;
        return _output;
    }

    /// <summary>
    /// Back-propagates <c>dL/dY</c> of the latest <see cref="Forward"/>: <em>adds</em> it to
    /// <paramref name="aGradient"/> and to <paramref name="bGradient"/> (∂y/∂a = ∂y/∂b = I); a
    /// <see langword="null"/> gradient is skipped. Both may be one tensor (<c>Forward(x, x)</c>: it gets 2·dY).
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass preceded it.</exception>
    /// <exception cref="ArgumentException">A gradient's shape differs from the forward output's.</exception>
    public void Backward(Tensor<T> outputGradient, Tensor<T>? aGradient, Tensor<T>? bGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_a is null)
        {
            throw new InvalidOperationException("Add: Backward needs a preceding Forward.");
        }

        CheckShape(outputGradient, nameof(outputGradient));
        AddInto(outputGradient, aGradient, nameof(aGradient));
        AddInto(outputGradient, bGradient, nameof(bGradient));
    }

    /// <summary>Input <paramref name="index"/> (0: a, 1: b) of the latest <see cref="Forward"/>.</summary>
    /// <exception cref="InvalidOperationException">No forward pass has run yet.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0 or 1.</exception>
    public Tensor<T> ForwardInput(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 1);
        return (index == 0 ? _a : _b) ?? throw new InvalidOperationException("Add: no Forward has run yet.");
    }

    private void AddInto(Tensor<T> outputGradient, Tensor<T>? gradient, string name)
    {
        if (gradient is not null)
        {
            CheckShape(gradient, name);
            TensorPrimitives.Add(gradient.Span, outputGradient.Span, gradient.Span);
        }
    }

    private void CheckShape(Tensor<T> gradient, string name)
    {
        if (!gradient.Shape.SequenceEqual(_output.Shape))
        {
            throw new ArgumentException($"Add: {name} is {gradient.ShapeText()}, the forward output was {_output.ShapeText()}.", name);
        }
    }
}

/// <summary>A single-precision <see cref="Add{T}"/>.</summary>
public sealed class Add : Add<float>
{
}
