using System.Numerics;

namespace Peft;

/// <summary>
/// A layer that maps a tensor to a tensor and back-propagates through that map: what containers
/// (<see cref="Sequential{T}"/>, <see cref="Residual{T}"/>) and generated <c>Backward</c> methods chain.
/// <see cref="Forward"/> keeps what the backward pass needs (a reference to its input, not a copy);
/// <see cref="Backward"/> then needs only the gradient of the output.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public interface ILayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>
    /// Computes the output of <paramref name="input"/>. The result belongs to the layer and is
    /// overwritten by its next call; <paramref name="input"/> must stay unchanged until <see cref="Backward"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The input's shape does not fit the layer; the message names both.</exception>
    Tensor<T> Forward(Tensor<T> input);

    /// <summary>
    /// Back-propagates <c>dL/dY</c> of the latest <see cref="Forward"/>: accumulates the gradients of the
    /// trainable parameters and <em>adds</em> <c>dL/dX</c> to <paramref name="inputGradient"/> (shaped as that
    /// forward's input), or skips <c>dL/dX</c> when it is <see langword="null"/>. Adding lets a value used
    /// twice (a residual stream, q/k/v reading one input) collect the sum of its gradients.
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass preceded it, or its input has changed shape since.</exception>
    /// <exception cref="ArgumentException">A gradient's shape does not match.</exception>
    void Backward(Tensor<T> outputGradient, Tensor<T>? inputGradient);
}
