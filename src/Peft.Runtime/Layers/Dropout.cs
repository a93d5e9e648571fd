using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// Inverted dropout (PyTorch's <c>nn.Dropout</c>): in training mode each element is zeroed with
/// probability <c>p</c> and the survivors are scaled by <c>1/(1 − p)</c>, so the expectation is unchanged;
/// in evaluation mode (or with <c>p = 0</c>) it is the identity. The masks come from a generator seeded
/// once, so a run is reproducible.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Dropout<T> : Layer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _mask = new(0);
    private readonly Random _random;
    private bool _masked;

    /// <summary>Creates a dropout layer.</summary>
    /// <param name="p">The probability of zeroing an element, in <c>[0, 1)</c>.</param>
    /// <param name="seed">The seed of the mask generator.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside <c>[0, 1)</c>.</exception>
    public Dropout(double p, int seed = 0)
    {
        if (!(p >= 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout: p must lie in [0, 1).");
        }

        P = p;
        _random = new Random(seed);
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <inheritdoc />
    protected override string Describe() => $"Dropout(p={P})";

    /// <summary>Training: <c>y = x ⊙ m</c> with <c>mᵢ = 1/(1 − p)</c> with probability <c>1 − p</c>, else 0. Evaluation: <c>y = x</c>.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        _output.Reshape(input.Shape);
        _masked = IsTraining && P > 0;
        if (!_masked)
        {
            input.Span.CopyTo(_output.Span);
            return _output;
        }

        _mask.Reshape(input.Shape);
        var mask = _mask.Span;
        T keep = T.CreateTruncating(1.0 / (1.0 - P));
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = _random.NextDouble() < P ? T.Zero : keep;
        }

        TensorPrimitives.Multiply(input.Span, mask, _output.Span);
        return _output;
    }

    /// <summary><c>dX += dY ⊙ m</c> (or <c>dY</c> when the forward pass was the identity).</summary>
    protected override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        if (inputGradient is null)
        {
            return;
        }

        if (_masked)
        {
            TensorPrimitives.FusedMultiplyAdd(outputGradient.Span, _mask.Span, inputGradient.Span, inputGradient.Span);
        }
        else
        {
            TensorPrimitives.Add(inputGradient.Span, outputGradient.Span, inputGradient.Span);
        }
    }
}
