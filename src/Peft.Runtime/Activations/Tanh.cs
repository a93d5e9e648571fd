using System.Numerics;

namespace Peft;

/// <summary>The tanh activation <c>y = tanh(x)</c> as a layer (no parameters), PyTorch's <c>nn.Tanh</c>.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class Tanh<T> : ActivationLayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override void Apply(ReadOnlySpan<T> input, Span<T> output) => Activation.Tanh(input, output);

    /// <inheritdoc />
    protected override void Differentiate(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) =>
        Activation.TanhBackward(input, outputGradient, inputGradient);
}
