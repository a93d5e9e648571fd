using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// A parameter-free element-wise activation as a layer: the output has the input's shape. Backward adds
/// <c>dy · f′(x)</c> to the input gradient, computed from the remembered input.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class ActivationLayer<T> : Layer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _scratch = new(0);

    /// <inheritdoc />
    protected sealed override Tensor<T> ForwardCore(Tensor<T> input)
    {
        _output.Reshape(input.Shape);
        Apply(input.Span, _output.Span);
        return _output;
    }

    /// <inheritdoc />
    protected sealed override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        if (inputGradient is null)
        {
            return;
        }

        _scratch.Reshape(input.Shape);
        Differentiate(input.Span, outputGradient.Span, _scratch.Span);
        TensorPrimitives.Add(inputGradient.Span, _scratch.Span, inputGradient.Span);
    }

    /// <summary>Computes <c>y = f(x)</c> element-wise.</summary>
    protected abstract void Apply(ReadOnlySpan<T> input, Span<T> output);

    /// <summary>Computes <c>dx = dy · f′(x)</c> element-wise.</summary>
    protected abstract void Differentiate(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);
}
