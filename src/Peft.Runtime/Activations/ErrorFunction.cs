namespace Peft;

/// <summary>
/// The error function <c>erf(x) = 2/√π ∫₀ˣ e^{−t²} dt</c> and its complement <c>erfc = 1 − erf</c>
/// in double precision (.NET has no <c>Math.Erf</c>), checked against PyTorch's <c>torch.erf</c>.
/// <para>
/// Fast path: a table of Taylor expansions at <c>z₀ = i/32</c> on [−6, 6]. With <c>d = x − z₀</c>,
/// <c>|d| ≤ 1/64</c>: <c>erf(z₀ + d) = erf(z₀) + Σₖ aₖ dᵏ</c> and <c>erfc(z₀ + d) = erfc(z₀) − Σₖ aₖ dᵏ</c>,
/// <c>aₖ = erf⁽ᵏ⁾(z₀)/k! = 2/√π · (−1)^{k−1} H_{k−1}(z₀) e^{−z₀²} / k!</c> (Hermite polynomials). Twelve
/// terms leave a truncation error below 1e-17 relative, and erfc keeps full relative accuracy in its tail.
/// The table's constant terms come from the slow exact evaluations below (a series without cancellation and
/// Laplace's continued fraction), which also serve <c>erfc</c> beyond 6.
/// </para>
/// </summary>
internal static class ErrorFunction
{
    private const double TwoOverSqrtPi = 1.1283791670955126; // 2/√π
    private const double OneOverSqrtPi = 0.5641895835477563; // 1/√π
    private const double SeriesLimit = 2.5;
    private const double FractionLimit = 1.0;               // erfc uses the fraction from here (1 − erf would cancel)
    private const double TableLimit = 6.0;                  // erfc(6) ≈ 2e-17 < ulp(1)/2: erf saturates here
    private const int PointsPerUnit = 32;
    private const int Terms = 12;
    private const int Stride = Terms + 2;                   // erf(z₀), erfc(z₀), a₁ … a₁₂
    private const int Center = (int)(TableLimit * PointsPerUnit);

    private static readonly double[] Table = BuildTable();

    /// <summary>erf(x); odd, ±1 beyond |x| = 6, NaN for NaN.</summary>
    public static double Erf(double x)
    {
        if (!(Math.Abs(x) < TableLimit))
        {
            return double.IsNaN(x) ? x : Math.CopySign(1.0, x);
        }

        int offset = Offset(x, out double d);
        return Table[offset] + Correction(offset, d);
    }

    /// <summary>erfc(x) = 1 − erf(x) without cancellation for large positive x (0 beyond 27, 2 below −6).</summary>
    public static double Erfc(double x)
    {
        if (Math.Abs(x) < TableLimit)
        {
            int offset = Offset(x, out double d);
            return Table[offset + 1] - Correction(offset, d);
        }

        if (double.IsNaN(x))
        {
            return x;
        }

        if (x < 0.0)
        {
            return 2.0;
        }

        return x > 27.0 ? 0.0 : ContinuedFraction(x); // beyond 27 e^{−x²} underflows
    }

    private static int Offset(double x, out double d)
    {
        int index = (int)Math.Round(x * PointsPerUnit);
        d = x - (double)index / PointsPerUnit; // exact: index/32 is a short binary fraction
        return (index + Center) * Stride;
    }

    // Σₖ aₖ dᵏ by Horner's rule.
    private static double Correction(int offset, double d)
    {
        var a = Table.AsSpan(offset + 2, Terms);
        double sum = a[Terms - 1];
        for (int k = Terms - 2; k >= 0; k--)
        {
            sum = Math.FusedMultiplyAdd(sum, d, a[k]);
        }

        return sum * d;
    }

    private static double[] BuildTable()
    {
        var table = new double[(2 * Center + 1) * Stride];
        for (int i = -Center; i <= Center; i++)
        {
            double z = (double)i / PointsPerUnit;
            int offset = (i + Center) * Stride;
            table[offset] = ExactErf(z);
            table[offset + 1] = ExactErfc(z);

            // aₖ = 2/√π · e^{−z²} · (−1)^{k−1} H_{k−1}(z) / k!, with H₀ = 1, H₁ = 2z, H_{n+1} = 2z·Hₙ − 2n·H_{n−1}.
            double scale = TwoOverSqrtPi * Math.Exp(-z * z);
            double previous = 0.0, hermite = 1.0, factorial = 1.0, sign = 1.0;
            for (int k = 1; k <= Terms; k++)
            {
                factorial *= k;
                table[offset + 1 + k] = scale * sign * hermite / factorial;
                double next = 2.0 * z * hermite - 2.0 * (k - 1) * previous;
                previous = hermite;
                hermite = next;
                sign = -sign;
            }
        }

        return table;
    }

    /// <summary>The slow exact erf (series or continued fraction), the table's source and the tests' reference.</summary>
    internal static double ExactErf(double x) =>
        Math.Abs(x) < SeriesLimit ? Series(x) : Math.CopySign(1.0 - ContinuedFraction(Math.Abs(x)), x);

    /// <summary>The slow exact erfc.</summary>
    internal static double ExactErfc(double x) =>
        x >= FractionLimit ? ContinuedFraction(x) : x > -SeriesLimit ? 1.0 - Series(x) : 2.0 - ContinuedFraction(-x);

    // erf(x) = 2/√π · e^{−x²} · Σₙ 2ⁿ x^{2n+1} / (1·3·5···(2n+1)): every term has the sign of x, so
    // nothing cancels; term n = term n−1 · 2x²/(2n+1).
    private static double Series(double x)
    {
        double twoXSquared = 2.0 * x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= twoXSquared / (2 * n + 1);
            sum += term;
            if (Math.Abs(term) <= 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }

    // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))) for x ≥ 1 (Laplace's
    // continued fraction, partial numerators n/2), evaluated with the modified Lentz method.
    private static double ContinuedFraction(double x)
    {
        const double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int n = 1; n < 5000; n++) // ~600 terms at x = 1, a few dozen beyond 3
        {
            double a = 0.5 * n;
            d = x + a * d;
            d = d == 0.0 ? tiny : d;
            c = x + a / c;
            c = c == 0.0 ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) <= 1e-16)
            {
                break;
            }
        }

        return OneOverSqrtPi * Math.Exp(-x * x) / f;
    }
}
