using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

public static partial class Activation
{
    private const double SqrtHalf = 0.70710678118654752;          // 1/√2
    private const double InverseSqrtTwoPi = 0.39894228040143268;  // 1/√(2π)
    private const double SqrtTwoOverPi = 0.79788456080286536;     // √(2/π)
    private const double TanhKappa = 0.044715;

    /// <summary>
    /// GELU forward: exact <c>y = x/2·(1 + erf(x/√2)) = x·Φ(x)</c> (PyTorch's default), evaluated in
    /// double as <c>x/2·erfc(−x/√2)</c> and rounded to <typeparamref name="T"/>; or with
    /// <see cref="GeluApproximation.Tanh"/> <c>y = x/2·(1 + tanh(u))</c>, <c>u = √(2/π)·(x + 0.044715x³)</c>,
    /// evaluated as the identical <c>x·σ(2u)</c> (vectorized in <typeparamref name="T"/> when the output
    /// is separate from the input; no cancellation for x ≪ 0).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void GELU<T>(ReadOnlySpan<T> input, Span<T> output, GeluApproximation approximation = GeluApproximation.None)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckForward(input, output, nameof(GELU));
        if (approximation == GeluApproximation.Tanh && !input.Overlaps(output))
        {
            TwiceTanhArgument(input, output);
            TensorPrimitives.Sigmoid(output, output);
            TensorPrimitives.Multiply(input, output, output);
            return;
        }

        for (int i = 0; i < input.Length; i++)
        {
            double x = double.CreateTruncating(input[i]);
            double y = approximation == GeluApproximation.Tanh
                ? x / (1.0 + Math.Exp(-2.0 * SqrtTwoOverPi * (x + TanhKappa * x * x * x)))
                : 0.5 * x * ErrorFunction.Erfc(-x * SqrtHalf); // 1 + erf(x/√2) = erfc(−x/√2), accurate for x ≪ 0
            output[i] = T.CreateTruncating(y);
        }
    }

    /// <summary>
    /// GELU backward. Exact: <c>dx = dy·(Φ(x) + x·φ(x))</c>, <c>φ(x) = e^{−x²/2}/√(2π)</c>. Tanh form,
    /// with <c>s = σ(2u)</c> (so <c>½(1 + tanh u) = s</c> and <c>1 − tanh²u = 4s(1 − s)</c>):
    /// <c>dx = dy·(s + 2x·s(1 − s)·√(2/π)·(1 + 3κx²))</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void GELUBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient,
        GeluApproximation approximation = GeluApproximation.None)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckBackward(input, outputGradient, inputGradient, nameof(GELU));
        if (approximation == GeluApproximation.Tanh)
        {
            bool separate = !input.Overlaps(inputGradient) && !outputGradient.Overlaps(inputGradient);
            if (separate)
            {
                TwiceTanhArgument(input, inputGradient); // dx holds s = σ(2u) until overwritten below
                TensorPrimitives.Sigmoid(inputGradient, inputGradient);
            }

            T two = T.CreateTruncating(2.0), c = T.CreateTruncating(SqrtTwoOverPi), threeKappa = T.CreateTruncating(3.0 * TanhKappa);
            for (int i = 0; i < input.Length; i++)
            {
                T x = input[i];
                T s = separate ? inputGradient[i] : T.CreateTruncating(1.0 / (1.0 + Math.Exp(-2.0 * SqrtTwoOverPi * double.CreateTruncating(x + T.CreateTruncating(TanhKappa) * x * x * x))));
                inputGradient[i] = outputGradient[i] * (s + two * x * s * (T.One - s) * c * (T.One + threeKappa * x * x));
            }

            return;
        }

        for (int i = 0; i < input.Length; i++)
        {
            double x = double.CreateTruncating(input[i]);
            double cdf = 0.5 * ErrorFunction.Erfc(-x * SqrtHalf);
            double derivative = cdf + x * InverseSqrtTwoPi * Math.Exp(-0.5 * x * x);
            inputGradient[i] = outputGradient[i] * T.CreateTruncating(derivative);
        }
    }

    // destination = 2u = 2√(2/π)·(x + κx³) = x·(2√(2/π)·κ·x² + 2√(2/π)), four vectorized passes.
    private static void TwiceTanhArgument<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(x, x, destination);
        TensorPrimitives.Multiply(destination, T.CreateTruncating(2.0 * SqrtTwoOverPi * TanhKappa), destination);
        TensorPrimitives.Add(destination, T.CreateTruncating(2.0 * SqrtTwoOverPi), destination);
        TensorPrimitives.Multiply(destination, x, destination);
    }
}
