using System.Numerics;

namespace Peft;

public static partial class Activation
{
    private const double SqrtHalf = 0.70710678118654752;          // 1/√2
    private const double InverseSqrtTwoPi = 0.39894228040143268;  // 1/√(2π)
    private const double SqrtTwoOverPi = 0.79788456080286536;     // √(2/π)
    private const double TanhKappa = 0.044715;

    /// <summary>
    /// GELU forward: exact <c>y = x/2·(1 + erf(x/√2)) = x·Φ(x)</c> (PyTorch's default), or with
    /// <see cref="GeluApproximation.Tanh"/> <c>y = x/2·(1 + tanh(√(2/π)·(x + 0.044715x³)))</c>.
    /// Evaluated in double and rounded to <typeparamref name="T"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void GELU<T>(ReadOnlySpan<T> input, Span<T> output, GeluApproximation approximation = GeluApproximation.None)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckForward(input, output, nameof(GELU));
        for (int i = 0; i < input.Length; i++)
        {
            double x = double.CreateTruncating(input[i]);
            double y = approximation == GeluApproximation.Tanh
                ? 0.5 * x * (1.0 + Math.Tanh(SqrtTwoOverPi * (x + TanhKappa * x * x * x)))
                : 0.5 * x * ErrorFunction.Erfc(-x * SqrtHalf); // 1 + erf(x/√2) = erfc(−x/√2), accurate for x ≪ 0
            output[i] = T.CreateTruncating(y);
        }
    }

    /// <summary>
    /// GELU backward. Exact: <c>dx = dy·(Φ(x) + x·φ(x))</c>, <c>φ(x) = e^{−x²/2}/√(2π)</c>. Tanh form,
    /// with <c>u = √(2/π)·(x + κx³)</c> and <c>t = tanh(u)</c>:
    /// <c>dx = dy·(½(1 + t) + ½x·(1 − t²)·√(2/π)·(1 + 3κx²))</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or the spans partly overlap.</exception>
    public static void GELUBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient,
        GeluApproximation approximation = GeluApproximation.None)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckBackward(input, outputGradient, inputGradient, nameof(GELU));
        for (int i = 0; i < input.Length; i++)
        {
            double x = double.CreateTruncating(input[i]);
            double derivative;
            if (approximation == GeluApproximation.Tanh)
            {
                double t = Math.Tanh(SqrtTwoOverPi * (x + TanhKappa * x * x * x));
                derivative = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SqrtTwoOverPi * (1.0 + 3.0 * TanhKappa * x * x);
            }
            else
            {
                double cdf = 0.5 * ErrorFunction.Erfc(-x * SqrtHalf);
                derivative = cdf + x * InverseSqrtTwoPi * Math.Exp(-0.5 * x * x);
            }

            inputGradient[i] = outputGradient[i] * T.CreateTruncating(derivative);
        }
    }
}
