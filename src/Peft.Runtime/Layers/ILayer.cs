using System.Numerics;

namespace Peft;

/// <summary>
/// A layer that maps a batch of rows to a batch of rows and back-propagates through them: what
/// <see cref="Sequential{T}"/> chains. Rows are contiguous, row-major (<c>[batch, features]</c>).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public interface ILayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The width of an output row for input rows of <paramref name="inputFeatures"/> elements.</summary>
    /// <exception cref="ArgumentException">The layer does not accept that input width.</exception>
    int GetOutputFeatures(int inputFeatures);

    /// <summary>Computes <paramref name="output"/> from <paramref name="input"/> for <paramref name="batch"/> rows.</summary>
    void Forward(ReadOnlySpan<T> input, Span<T> output, int batch);

    /// <summary>
    /// Given the forward <paramref name="input"/> and <c>dL/dY</c>, accumulates the gradients of trainable
    /// parameters and writes <c>dL/dX</c> into <paramref name="inputGradient"/> unless it is empty.
    /// </summary>
    void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch);
}
