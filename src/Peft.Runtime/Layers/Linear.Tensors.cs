using System.Numerics.Tensors;

namespace Peft;

// System.Numerics.Tensors interop of Linear<T>.
public partial class Linear<T>
{
    /// <summary>
    /// Computes <c>output[batch, out] = input[batch, in]·Wᵀ + b</c> on dense tensors; the batch is
    /// <paramref name="input"/>'s first dimension.
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not fit the layer; the message names both shapes.</exception>
    public void Forward(ReadOnlyTensorSpan<T> input, TensorSpan<T> output)
    {
        string owner = $"Linear [{OutFeatures}, {InFeatures}]";
        var x = TensorShape.Matrix(input, -1, InFeatures, owner, nameof(input), out int batch);
        Forward(x, TensorShape.Matrix(output, batch, OutFeatures, owner, nameof(output)), batch);
    }

    /// <summary>
    /// Back-propagates <paramref name="outputGradient"/> <c>[batch, out]</c> as
    /// <see cref="Backward(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int)"/>; pass
    /// <see cref="TensorSpan{T}.Empty"/> as <paramref name="inputGradient"/> to skip <c>dX</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not fit the layer; the message names both shapes.</exception>
    public void Backward(ReadOnlyTensorSpan<T> input, ReadOnlyTensorSpan<T> outputGradient, TensorSpan<T> inputGradient)
    {
        string owner = $"Linear [{OutFeatures}, {InFeatures}]";
        var x = TensorShape.Matrix(input, -1, InFeatures, owner, nameof(input), out int batch);
        var dy = TensorShape.Matrix(outputGradient, batch, OutFeatures, owner, nameof(outputGradient), out _);
        var dx = inputGradient.IsEmpty && inputGradient.Rank == 0
            ? Span<T>.Empty
            : TensorShape.Matrix(inputGradient, batch, InFeatures, owner, nameof(inputGradient));
        Backward(x, dy, dx, batch);
    }
}
