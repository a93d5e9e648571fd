using System.Numerics;

namespace Peft;

/// <summary>
/// A module that remembers the inputs of its latest <c>Forward</c> (by reference) and hands them back.
/// Generated <c>Backward</c> methods size the gradient buffer of an intermediate value from the module
/// that consumed it: <c>gradient.ZeroLike(consumer.ForwardInput(k))</c>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IForwardInputs<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Input number <paramref name="index"/> (0 for a single-input layer) of the latest <c>Forward</c>.</summary>
    /// <exception cref="InvalidOperationException">No forward pass has run yet.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The module has no input <paramref name="index"/>.</exception>
    Tensor<T> ForwardInput(int index);
}
