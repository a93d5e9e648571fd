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

    /// <summary>
    /// ReLU backward as PyTorch's <c>threshold_backward</c>: <c>dx = 0</c> where <c>x ≤ 0</c>, else <c>dy</c>
    /// (so the gradient at x = 0 is 0 and a NaN input passes <c>dy</c> through).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void ReLUBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckBackward(input, outputGradient, inputGradient, nameof(ReLU));
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            // dx = x ≤ 0 ? 0 : dy, a lane mask select.
            for (; i <= input.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var nonPositive = Vector.LessThanOrEqual(new Vector<T>(input.Slice(i)), Vector<T>.Zero);
                Vector.ConditionalSelect(nonPositive, Vector<T>.Zero, new Vector<T>(outputGradient.Slice(i))).CopyTo(inputGradient.Slice(i));
            }
        }

        for (; i < input.Length; i++)
        {
            inputGradient[i] = input[i] <= T.Zero ? T.Zero : outputGradient[i];
        }
    }
}
