using Peft.Tests.Testing;

namespace Peft.Tests.Activations;

public sealed class ActivationGradientTests
{
    public delegate void ForwardFunction(ReadOnlySpan<double> x, Span<double> y);

    public delegate void BackwardFunction(ReadOnlySpan<double> x, ReadOnlySpan<double> dy, Span<double> dx);

    public static TheoryData<string> Names => ["ReLU", "GELU", "GELU-tanh", "SiLU", "Tanh"];

    [Theory]
    [MemberData(nameof(Names))]
    public void Backward_matches_finite_differences(string name)
    {
        var (forward, backward) = Functions(name);
        // Points in [−4, 4], kept away from ReLU's kink at 0 so x ± h stays on one side.
        var x = FiniteDifference.Random(64, seed: 1, scale: 4.0).Select(v => Math.Abs(v) < 1e-3 ? 0.5 : v).ToArray();
        var weights = FiniteDifference.Random(64, seed: 2);
        var analytic = new double[64];
        backward(x, weights, analytic);

        FiniteDifference.Check(point =>
        {
            var y = new double[point.Length];
            forward(point, y);
            return FiniteDifference.Dot(weights, y);
        }, x, analytic, name);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Layer_modules_match_the_span_functions_and_skip_an_empty_input_gradient(string name)
    {
        var (forward, backward) = Functions(name);
        ILayer<double> layer = name switch
        {
            "ReLU" => new ReLU<double>(),
            "GELU" => new GELU<double>(),
            "GELU-tanh" => new GELU<double>(GeluApproximation.Tanh),
            "Tanh" => new Tanh<double>(),
            _ => new SiLU<double>(),
        };
        Assert.Empty(((Module)layer).NamedParameters());
        var x = FiniteDifference.Random(21, seed: 3, scale: 3.0);
        var dy = FiniteDifference.Random(21, seed: 4);
        double[] expectedY = new double[21], expectedDx = new double[21];
        var y = layer.Forward(Tensor<double>.Wrap(x, 3, 7));
        forward(x, expectedY);
        var dx = new Tensor<double>(3, 7);
        layer.Backward(Tensor<double>.Wrap(dy, 3, 7), dx);
        backward(x, dy, expectedDx);
        Assert.Equal([3, 7], y.Shape.ToArray());
        Assert.Equal(expectedY, y.ToArray());
        Assert.Equal(expectedDx, dx.ToArray());
        layer.Backward(Tensor<double>.Wrap(dy, 3, 7), null);
        Assert.Throws<ArgumentException>(() => layer.Backward(Tensor<double>.Wrap(dy, 7, 3), null));
    }

    [Fact]
    public void Float_and_double_agree_to_float_rounding()
    {
        var x = FiniteDifference.Random(50, seed: 5, scale: 5.0);
        var xf = x.Select(v => (float)v).ToArray();
        foreach (var name in new[] { "ReLU", "GELU", "GELU-tanh", "SiLU", "Tanh" })
        {
            var (forward, _) = Functions(name);
            var y = new double[50];
            forward(x.Select(v => (double)(float)v).ToArray(), y);
            var yf = new float[50];
            switch (name)
            {
                case "ReLU": Activation.ReLU<float>(xf, yf); break;
                case "GELU": Activation.GELU<float>(xf, yf); break;
                case "GELU-tanh": Activation.GELU<float>(xf, yf, GeluApproximation.Tanh); break;
                case "Tanh": Activation.Tanh<float>(xf, yf); break;
                default: Activation.SiLU<float>(xf, yf); break;
            }

            for (int i = 0; i < 50; i++)
            {
                Assert.True(Math.Abs(yf[i] - y[i]) <= 1e-6 * Math.Max(1, Math.Abs(y[i])), $"{name}[{i}]: {yf[i]} vs {y[i]}");
            }
        }
    }

    [Fact]
    public void In_place_works_and_partial_overlap_or_length_mismatch_is_rejected()
    {
        double[] data = [-1, 2, -3, 4];
        Activation.ReLU<double>(data, data);
        Assert.Equal([0.0, 2, 0, 4], data);

        var buffer = new double[5];
        var ex = Assert.Throws<ArgumentException>(() => Activation.SiLU<double>(buffer.AsSpan(0, 4), buffer.AsSpan(1, 4)));
        Assert.Contains("overlaps", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Activation.GELU<double>(new double[3], new double[2]));
        Assert.Contains("input has 3 elements but output has 2", ex.Message);
        Assert.Throws<ArgumentException>(() => Activation.ReLUBackward<double>(new double[3], new double[3], new double[4]));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void In_place_and_separate_outputs_agree(string name)
    {
        var (forward, backward) = Functions(name);
        var x = FiniteDifference.Random(37, seed: 6, scale: 5.0);
        var dy = FiniteDifference.Random(37, seed: 7);
        double[] y = new double[37], dx = new double[37];
        forward(x, y);
        backward(x, dy, dx);

        var inPlace = (double[])x.Clone();
        forward(inPlace, inPlace);
        AssertClose(y, inPlace, name);
        var dxInPlace = (double[])dy.Clone();
        backward(x, dxInPlace, dxInPlace); // dx over dy
        AssertClose(dx, dxInPlace, name);
        dxInPlace = (double[])x.Clone();
        backward(dxInPlace, dy, dxInPlace); // dx over x
        AssertClose(dx, dxInPlace, name);
    }

    [Fact]
    public void ReLU_passes_NaN_through_and_has_zero_gradient_at_zero()
    {
        double[] y = new double[3], dx = new double[3];
        Activation.ReLU<double>([double.NaN, 0.0, -2.0], y);
        Assert.True(double.IsNaN(y[0]));
        Activation.ReLUBackward<double>([1.0, 0.0, -2.0], [5.0, 5.0, 5.0], dx);
        Assert.Equal([5.0, 0.0, 0.0], dx);

        // The vector path (17 = 2 full vectors + tail for float): x ≤ 0 → 0, else dy (NaN passes dy, as PyTorch).
        var x = Enumerable.Range(0, 17).Select(i => i % 3 == 0 ? -i : i % 3 == 1 ? 0f : i).ToArray();
        x[5] = float.NaN;
        var dxf = new float[17];
        Activation.ReLUBackward<float>(x, Enumerable.Repeat(2f, 17).ToArray(), dxf);
        Assert.Equal(x.Select(v => v <= 0 ? 0f : 2f), dxf);
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-15 * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: {actual[i]:R} vs {expected[i]:R}");
        }
    }

    private static (ForwardFunction, BackwardFunction) Functions(string name) => name switch
    {
        "ReLU" => (Activation.ReLU, Activation.ReLUBackward),
        "GELU" => ((x, y) => Activation.GELU(x, y), (x, dy, dx) => Activation.GELUBackward(x, dy, dx)),
        "GELU-tanh" => ((x, y) => Activation.GELU(x, y, GeluApproximation.Tanh),
            (x, dy, dx) => Activation.GELUBackward(x, dy, dx, GeluApproximation.Tanh)),
        "SiLU" => (Activation.SiLU, Activation.SiLUBackward),
        "Tanh" => (Activation.Tanh, Activation.TanhBackward),
        _ => throw new ArgumentException(name),
    };
}
