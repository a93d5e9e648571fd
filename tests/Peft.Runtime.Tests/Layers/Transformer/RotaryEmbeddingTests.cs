namespace Peft.Tests.Layers.Transformer;

public sealed class RotaryEmbeddingTests
{
    [Fact]
    public void Default_frequencies_follow_one_over_theta_to_the_2i_over_d()
    {
        var rope = new RotaryEmbedding(16, 10000);
        for (int i = 0; i < 8; i++)
        {
            double expected = 1.0 / Math.Pow(10000, 2.0 * i / 16);
            Assert.Equal(expected, rope.InverseFrequencies[i], expected * 1e-6);
        }
    }

    [Fact]
    public void Llama3_scaling_matches_the_piecewise_formula()
    {
        // Llama 3.1's values; head dim 128 spans all three bands (kept, blended, divided).
        var scaling = new RopeScaling(RopeScaling.Llama3, Factor: 8, LowFrequencyFactor: 1, HighFrequencyFactor: 4, OriginalMaxPositionEmbeddings: 8192);
        var rope = new RotaryEmbedding(128, 500000, scaling);
        int kept = 0, blended = 0, divided = 0;
        for (int i = 0; i < 64; i++)
        {
            double f = 1.0 / Math.Pow(500000, 2.0 * i / 128);
            double wavelength = 2 * Math.PI / f;
            double expected;
            if (wavelength < 8192 / 4.0)
            {
                expected = f;
                kept++;
            }
            else if (wavelength > 8192 / 1.0)
            {
                expected = f / 8;
                divided++;
            }
            else
            {
                double smooth = (8192 / wavelength - 1) / (4 - 1);
                expected = (1 - smooth) * f / 8 + smooth * f;
                blended++;
            }

            Assert.True(Math.Abs(expected - rope.InverseFrequencies[i]) <= expected * 2e-6,
                $"frequency {i}: expected {expected:R}, got {rope.InverseFrequencies[i]:R}");
        }

        Assert.True(kept > 0 && blended > 0 && divided > 0, $"bands: {kept} kept, {blended} blended, {divided} divided");
    }

    [Fact]
    public void Rotate_matches_cos_and_sin_per_pair()
    {
        var rope = new RotaryEmbedding(8, 10000);
        var x = new double[] { 0.3, -1.2, 0.7, 2.0, -0.4, 0.9, 1.5, -0.8 };
        var y = new double[8];
        foreach (int position in new[] { 0, 1, 5, 37 })
        {
            rope.Rotate<double>(x, position, y);
            for (int i = 0; i < 4; i++)
            {
                double angle = position / Math.Pow(10000, 2.0 * i / 8);
                double c = Math.Cos(angle), s = Math.Sin(angle);
                Assert.Equal(x[i] * c - x[i + 4] * s, y[i], 1e-5);
                Assert.Equal(x[i + 4] * c + x[i] * s, y[i + 4], 1e-5);
            }
        }

        var single = new float[8];
        rope.Rotate<float>(x.Select(v => (float)v).ToArray(), 5, single);
        rope.Rotate<double>(x, 5, y);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(y[i], single[i], 1e-6);
        }
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Assert.Contains("head dim must be positive and even, got 7", Assert.Throws<ArgumentException>(() => new RotaryEmbedding(7, 10000)).Message);
        Assert.Contains("rope_type 'yarn' is not supported", Assert.Throws<ArgumentException>(() => new RotaryEmbedding(8, 10000, new RopeScaling("yarn"))).Message);
        Assert.Throws<ArgumentException>(() => new RotaryEmbedding(8, 10000, new RopeScaling(RopeScaling.Llama3, 8, 4, 1)));
        Assert.Throws<ArgumentException>(() => new RotaryEmbedding(8, -1));
    }
}
