namespace Peft.Tests.Activations;

public sealed class ErrorFunctionTests
{
    [Fact]
    public void Table_evaluation_matches_the_exact_series_and_continued_fraction_everywhere()
    {
        // 4000 points on [−6.5, 6.5], both sides of every grid cell and of the series/fraction switches.
        // Both sides are a few ulp accurate: the series sums ~40 terms near 2.5 (erf agrees to 3e-15) and the
        // long continued fraction near x = 1 carries ~3e-15 (erfc is compared at 1e-14).
        var random = new Random(42);
        for (int i = 0; i < 4000; i++)
        {
            double x = (random.NextDouble() * 2 - 1) * 6.5;
            double erf = ErrorFunction.ExactErf(x);
            double erfc = ErrorFunction.ExactErfc(x);
            Assert.True(Math.Abs(ErrorFunction.Erf(x) - erf) <= 3e-15 * Math.Abs(erf) + 1e-300, $"erf({x:R}): {ErrorFunction.Erf(x):R} vs {erf:R}");
            Assert.True(Math.Abs(ErrorFunction.Erfc(x) - erfc) <= 1e-14 * Math.Abs(erfc), $"erfc({x:R}): {ErrorFunction.Erfc(x):R} vs {erfc:R}");
        }
    }
}
