using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

public static partial class Activation
{
    /// <summary>ReLU forward: <c>y = max(x, 0)</c> (NaN stays NaN, as in PyTorch).</summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void ReLU<T>(ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckForward(input, output, nameof(ReLU));
        TensorPrimitives.Max(input, T.Zero, output);
    }

    /// <summary>ReLU backward: <c>dx = dy</c> where <c>x &gt; 0</c>, else 0 (PyTorch's choice at x = 0).</summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void ReLUBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckBackward(input, outputGradient, inputGradient, nameof(ReLU));
        for (int i = 0; i < input.Length; i++)
        {
            inputGradient[i] = input[i] > T.Zero ? outputGradient[i] : T.Zero;
        }
    }
}
