namespace Peft;

/// <summary>Standard normal samples by the Box–Muller transform: <c>√(−2 ln u₁)·cos(2π u₂)</c>.</summary>
internal static class NormalSample
{
    public static double Next(Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // (0, 1]: the logarithm stays finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
