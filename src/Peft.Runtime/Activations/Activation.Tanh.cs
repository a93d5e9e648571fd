using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

public static partial class Activation
{
    /// <summary>Tanh forward: <c>y = tanh(x)</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void Tanh<T>(ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckForward(input, output, nameof(Tanh));
        TensorPrimitives.Tanh(input, output);
    }

    /// <summary>Tanh backward: <c>dx = dy · (1 − tanh²(x))</c>, tanh recomputed from the input.</summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void TanhBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckBackward(input, outputGradient, inputGradient, nameof(Tanh));
        for (int i = 0; i < input.Length; i++)
        {
            T y = T.Tanh(input[i]);
            inputGradient[i] = outputGradient[i] * (T.One - y * y);
        }
    }
}
