using System.Numerics;

namespace Peft;

/// <summary>The GELU activation <c>y = x·Φ(x)</c> as a layer (no parameters), exact or tanh-approximated.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <param name="approximation">The exact erf form (PyTorch's default) or the tanh approximation.</param>
public class GELU<T>(GeluApproximation approximation = GeluApproximation.None) : ActivationLayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>How Φ(x) is evaluated.</summary>
    public GeluApproximation Approximation { get; } = approximation;

    /// <inheritdoc />
    protected override void Apply(ReadOnlySpan<T> input, Span<T> output) => Activation.GELU(input, output, Approximation);

    /// <inheritdoc />
    protected override void Differentiate(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient) =>
        Activation.GELUBackward(input, outputGradient, inputGradient, Approximation);
}

/// <summary>A single-precision <see cref="GELU{T}"/>.</summary>
/// <param name="approximation">The exact erf form (PyTorch's default) or the tanh approximation.</param>
public sealed class GELU(GeluApproximation approximation = GeluApproximation.None) : GELU<float>(approximation)
{
}
