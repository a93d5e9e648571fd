using Peft.Tests.Testing;

namespace Peft.Tests.Layers.Transformer;

public sealed class NormalizationTests
{
    [Fact]
    public void RMSNorm_matches_a_plain_loop()
    {
        var norm = new RMSNorm<double>(5, 1e-6);
        FiniteDifference.Random(5, seed: 3).CopyTo(norm.Weight.Value, 0);
        var x = FiniteDifference.Random(3 * 5, seed: 4, scale: 2);
        var y = norm.Forward(Tensor<double>.Wrap(x, 3, 5)).ToArray();
        for (int row = 0; row < 3; row++)
        {
            double sum = 0;
            for (int i = 0; i < 5; i++)
            {
                sum += x[row * 5 + i] * x[row * 5 + i];
            }

            double r = 1 / Math.Sqrt(sum / 5 + 1e-6);
            for (int i = 0; i < 5; i++)
            {
                Assert.Equal(norm.Weight.Value[i] * x[row * 5 + i] * r, y[row * 5 + i], 1e-12);
            }
        }
    }

    [Fact]
    public void LayerNorm_matches_a_plain_loop()
    {
        var norm = new LayerNorm<double>(4);
        FiniteDifference.Random(4, seed: 3).CopyTo(norm.Weight.Value, 0);
        FiniteDifference.Random(4, seed: 5).CopyTo(norm.Bias!.Value, 0);
        var x = FiniteDifference.Random(2 * 4, seed: 4, scale: 2);
        var y = norm.Forward(Tensor<double>.Wrap(x, 2, 4)).ToArray();
        for (int row = 0; row < 2; row++)
        {
            var xr = x.AsSpan(row * 4, 4).ToArray();
            double mean = xr.Average(), variance = xr.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal((xr[i] - mean) / Math.Sqrt(variance + 1e-5) * norm.Weight.Value[i] + norm.Bias.Value[i], y[row * 4 + i], 1e-12);
            }
        }
    }

    [Fact]
    public void RMSNorm_rows_split_over_the_pool_match_the_formulas()
    {
        const int rows = 96, dim = 1024; // 3 rows per chunk: many chunks
        var norm = new RMSNorm<double>(dim, 1e-5);
        FiniteDifference.Random(dim, seed: 3).CopyTo(norm.Weight.Value, 0);
        var x = FiniteDifference.Random(rows * dim, seed: 4);
        var dy = FiniteDifference.Random(rows * dim, seed: 5);
        var y = norm.Forward(Tensor<double>.Wrap(x, rows, dim)).ToArray();
        var dx = norm.Backward(Tensor<double>.Wrap(dy, rows, dim)).ToArray();
        for (int row = 0; row < rows; row++)
        {
            var xr = x.AsSpan(row * dim, dim).ToArray();
            double r = 1 / Math.Sqrt(xr.Sum(v => v * v) / dim + 1e-5);
            double gx = 0;
            for (int i = 0; i < dim; i++)
            {
                gx += dy[row * dim + i] * norm.Weight.Value[i] * xr[i] * r;
            }

            for (int i = 0; i < dim; i++)
            {
                Assert.Equal(norm.Weight.Value[i] * xr[i] * r, y[row * dim + i], 1e-12);
                double g = dy[row * dim + i] * norm.Weight.Value[i];
                Assert.Equal(r * (g - xr[i] * r * gx / dim), dx[row * dim + i], 1e-12);
            }
        }
    }

    public static TheoryData<string> Norms => ["rms", "layer", "layer-no-bias"];

    [Theory]
    [MemberData(nameof(Norms))]
    public void Norm_gradients_match_finite_differences(string kind)
    {
        Layer<double> norm = kind switch
        {
            "rms" => new RMSNorm<double>(6, 1e-5),
            "layer" => new LayerNorm<double>(6),
            _ => new LayerNorm<double>(6, 1e-3, bias: false),
        };
        foreach (var (_, parameter) in norm.NamedParameters<double>())
        {
            FiniteDifference.Random(parameter.Length, seed: parameter.Length + 7).CopyTo(parameter.Value, 0);
        }

        var x = FiniteDifference.Random(2 * 3 * 6, seed: 1, scale: 2);
        var input = Tensor<double>.Wrap(x, 2, 3, 6);
        var weights = FiniteDifference.Random(x.Length, seed: 2);
        double Loss() => FiniteDifference.Dot(weights, norm.Forward(input).Span);

        norm.Forward(input);
        var dx = norm.Backward(Tensor<double>.Wrap(weights, 2, 3, 6)).ToArray();
        FiniteDifference.CheckInPlace(x, Loss, dx, $"{kind} dX");
        foreach (var (path, parameter) in norm.NamedParameters<double>())
        {
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, $"{kind} {path}");
        }
    }

    [Fact]
    public void Norm_steps_allocate_nothing_in_steady_state()
    {
        var rms = new RMSNorm<float>(64, 1e-5);
        var layer = new LayerNorm<float>(64);
        var x = new Tensor<float>(4, 16, 64);
        var dy = new Tensor<float>(4, 16, 64);
        var dx = new Tensor<float>(4, 16, 64);
        void Step()
        {
            rms.Forward(x);
            rms.Backward(dy, dx);
            layer.Forward(x);
            layer.Backward(dy, dx);
        }

        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_shapes_name_the_layer()
    {
        var ex = Assert.Throws<ArgumentException>(() => new RMSNorm<float>(8, 1e-5).Forward(new Tensor<float>(2, 7)));
        Assert.Contains("RMSNorm [8]: input is [2, 7], its innermost dimension must be 8", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new LayerNorm<float>(8).Forward(new Tensor<float>(3)));
        Assert.Contains("LayerNorm [8]: input is [3]", ex.Message);
        Assert.Throws<ArgumentException>(() => new RMSNorm<float>(0, 1e-5));
        Assert.Throws<ArgumentException>(() => new RMSNorm<float>(4, double.NaN));
    }
}
