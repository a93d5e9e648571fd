namespace Peft.Gpu.Tests;

/// <summary>Random data and tolerance checks shared by the GPU tests.</summary>
internal static class Matrices
{
    public static float[] Random(Random random, int length)
        => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    /// <summary>
    /// |actual − expected| ≤ tolerance·(1 + max |expected|) element-wise: relative to the data's scale, so that a
    /// product summed in another order (GPU tiles vs CPU blocks) passes and a wrong element does not.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance * scale))
            {
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tolerance} × scale {scale}).");
            }
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        var wide = new double[expected.Length];
        for (int i = 0; i < wide.Length; i++)
        {
            wide[i] = expected[i];
        }

        AssertClose(wide, actual, tolerance, what);
    }
}
