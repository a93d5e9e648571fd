using System.Numerics;

namespace Peft;

/// <summary>The SiLU activation <c>y = x·σ(x)</c> as a layer (no parameters).</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class SiLU<T> : ActivationLayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override void Apply(ReadOnlySpan<T> input, Span<T> output) => Activation.SiLU(input, output);

    /// <inheritdoc />
    protected override void Differentiate(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) =>
        Activation.SiLUBackward(input, outputGradient, inputGradient);
}

/// <summary>A single-precision <see cref="SiLU{T}"/>.</summary>
public sealed class SiLU : SiLU<float>
{
}
