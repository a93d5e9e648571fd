using System.Numerics;

namespace Peft;

/// <summary>
/// A parameter-free element-wise activation as a layer: output rows have the input's width.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class ActivationLayer<T> : Module, ILayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public int GetOutputFeatures(int inputFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputFeatures);
        return inputFeatures;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The lengths differ or do not hold <paramref name="batch"/> whole rows.</exception>
    public void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        CheckRows(input.Length, batch);
        Apply(input, output);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The lengths differ or do not hold <paramref name="batch"/> whole rows.</exception>
    public void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        CheckRows(input.Length, batch);
        if (!inputGradient.IsEmpty)
        {
            Differentiate(input, outputGradient, inputGradient);
        }
    }

    /// <summary>Computes <c>y = f(x)</c> element-wise.</summary>
    protected abstract void Apply(ReadOnlySpan<T> input, Span<T> output);

    /// <summary>Computes <c>dx = dy · f′(x)</c> element-wise.</summary>
    protected abstract void Differentiate(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient);

    private void CheckRows(int length, int batch)
    {
        if (batch < 0 || (batch == 0 ? length != 0 : length % batch != 0))
        {
            throw new ArgumentException($"{GetType().Name}: {length} elements do not form {batch} rows.", nameof(batch));
        }
    }
}
