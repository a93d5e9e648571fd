using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

public static partial class Activation
{
    /// <summary>SiLU (swish) forward: <c>y = x·σ(x) = x / (1 + e^{−x})</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void SiLU<T>(ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckForward(input, output, nameof(SiLU));
        if (!input.Overlaps(output))
        {
            // Vectorized: y = σ(x), then y = x·y.
            TensorPrimitives.Sigmoid(input, output);
            TensorPrimitives.Multiply(input, output, output);
            return;
        }

        for (int i = 0; i < input.Length; i++)
        {
            T x = input[i];
            output[i] = x / (T.One + T.Exp(-x));
        }
    }

    /// <summary>SiLU backward: <c>dx = dy · σ(x)·(1 + x·(1 − σ(x)))</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void SiLUBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckBackward(input, outputGradient, inputGradient, nameof(SiLU));
        bool separate = !input.Overlaps(inputGradient) && !outputGradient.Overlaps(inputGradient);
        if (separate)
        {
            TensorPrimitives.Sigmoid(input, inputGradient); // dx holds σ(x) until overwritten below
        }

        for (int i = 0; i < input.Length; i++)
        {
            T x = input[i];
            T sigmoid = separate ? inputGradient[i] : T.One / (T.One + T.Exp(-x));
            inputGradient[i] = outputGradient[i] * sigmoid * (T.One + x * (T.One - sigmoid));
        }
    }
}
