namespace Peft.Tests.Testing;

/// <summary>
/// Central finite differences in double precision, for checking analytic gradients:
/// <c>∂L/∂xᵢ ≈ (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h</c> (error O(h²) plus rounding ~ε·|L|/h).
/// The check compares element-wise with a scale-aware relative error
/// <c>maxᵢ |aᵢ − nᵢ| / max(maxᵢ|aᵢ|, maxᵢ|nᵢ|, floor)</c>, which is robust when some entries are ~0.
/// </summary>
internal static class FiniteDifference
{
    /// <summary>The default step: balances truncation (h²) against rounding (ε/h) for L of order 1.</summary>
    public const double DefaultStep = 1e-5;

    /// <summary>The numerical gradient of <paramref name="loss"/> at <paramref name="point"/> (left unchanged).</summary>
    public static double[] Gradient(Func<double[], double> loss, double[] point, double step = DefaultStep)
    {
        var x = (double[])point.Clone();
        return GradientInPlace(x, () => loss(x), step);
    }

    /// <summary>
    /// The numerical gradient of a loss that reads <paramref name="values"/> (for example a
    /// <c>Parameter&lt;double&gt;.Value</c> or an input array) through a closure. Each entry is
    /// perturbed in place and restored exactly.
    /// </summary>
    public static double[] GradientInPlace(double[] values, Func<double> loss, double step = DefaultStep)
    {
        var gradient = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + step;
            double plus = loss();
            values[i] = saved - step;
            double minus = loss();
            values[i] = saved;
            gradient[i] = (plus - minus) / (2 * step);
        }

        return gradient;
    }

    /// <summary>Asserts that <paramref name="analytic"/> matches the central differences of <paramref name="loss"/> at <paramref name="point"/>.</summary>
    public static void Check(Func<double[], double> loss, double[] point, ReadOnlySpan<double> analytic, string what,
        double tolerance = 1e-6, double step = DefaultStep) =>
        AssertClose(analytic, Gradient(loss, point, step), what, tolerance);

    /// <summary>Asserts that <paramref name="analytic"/> matches the central differences of <paramref name="loss"/> with respect to <paramref name="values"/>.</summary>
    public static void CheckInPlace(double[] values, Func<double> loss, ReadOnlySpan<double> analytic, string what,
        double tolerance = 1e-6, double step = DefaultStep) =>
        AssertClose(analytic, GradientInPlace(values, loss, step), what, tolerance);

    /// <summary>
    /// Asserts <c>maxᵢ |aᵢ − nᵢ| / max(‖a‖∞, ‖n‖∞, floor) &lt; tolerance</c>, naming the worst element.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<double> analytic, ReadOnlySpan<double> numeric, string what,
        double tolerance = 1e-6, double floor = 1e-12)
    {
        Assert.True(analytic.Length == numeric.Length, $"{what}: analytic gradient has {analytic.Length} entries, numeric {numeric.Length}.");
        double scale = floor;
        for (int i = 0; i < analytic.Length; i++)
        {
            scale = Math.Max(scale, Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric[i])));
        }

        double worst = 0.0;
        int worstIndex = -1;
        for (int i = 0; i < analytic.Length; i++)
        {
            double error = Math.Abs(analytic[i] - numeric[i]) / scale;
            if (!(error <= worst))
            {
                worst = error;
                worstIndex = i;
            }
        }

        Assert.True(worst < tolerance,
            $"{what}: relative error {worst:E3} at element {worstIndex} (analytic {analytic[Math.Max(worstIndex, 0)]:R}, numeric {numeric[Math.Max(worstIndex, 0)]:R}, scale {scale:E3}) exceeds {tolerance:E1}.");
    }

    /// <summary>Deterministic values uniform in [−scale, scale).</summary>
    public static double[] Random(int length, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (random.NextDouble() * 2 - 1) * scale;
        }

        return values;
    }

    /// <summary>L = Σ wᵢ·yᵢ: a loss whose gradient with respect to y is exactly <paramref name="weights"/>.</summary>
    public static double Dot(ReadOnlySpan<double> weights, ReadOnlySpan<double> y)
    {
        double sum = 0.0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += weights[i] * y[i];
        }

        return sum;
    }
}
