using System.Numerics;

namespace Peft;

/// <summary>The ReLU activation <c>y = max(x, 0)</c> as a layer (no parameters).</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class ReLU<T> : ActivationLayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override void Apply(ReadOnlySpan<T> input, Span<T> output) => Activation.ReLU(input, output);

    /// <inheritdoc />
    protected override void Differentiate(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) =>
        Activation.ReLUBackward(input, outputGradient, inputGradient);
}

/// <summary>A single-precision <see cref="ReLU{T}"/>.</summary>
public sealed class ReLU : ReLU<float>
{
}
