namespace Peft;

/// <summary>
/// Element-wise activation functions on spans, forward and backward, in float or double.
/// Forward: <c>y = f(x)</c>; backward: <c>dx = dy · f′(x)</c> from the forward input. Output spans
/// may be the input span itself (in place); otherwise they must not overlap it.
/// </summary>
public static partial class Activation
{
    private static void CheckForward<T>(ReadOnlySpan<T> input, Span<T> output, string name)
    {
        if (input.Length != output.Length)
        {
            throw new ArgumentException($"{name}: input has {input.Length} elements but output has {output.Length}.", nameof(output));
        }

        CheckAliasing(input, output, name);
    }

    private static void CheckBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, string name)
    {
        if (input.Length != outputGradient.Length || input.Length != inputGradient.Length)
        {
            throw new ArgumentException(
                $"{name}: input has {input.Length} elements, output gradient {outputGradient.Length} and input gradient {inputGradient.Length}; they must be equal.",
                nameof(inputGradient));
        }

        CheckAliasing(input, inputGradient, name);
        CheckAliasing(outputGradient, inputGradient, name);
    }

    // Element i of the output is written after element i of the input is read, so the identical span
    // is safe; a shifted overlap would read already-written elements.
    private static void CheckAliasing<T>(ReadOnlySpan<T> source, Span<T> destination, string name)
    {
        if (source.Overlaps(destination, out int offset) && offset != 0)
        {
            throw new ArgumentException($"{name}: the output overlaps the input at an offset of {offset} elements; use the same span or separate memory.", nameof(destination));
        }
    }
}
