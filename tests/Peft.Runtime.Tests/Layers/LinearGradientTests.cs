using Peft.Tests.Testing;

namespace Peft.Tests.Layers;

public sealed class LinearGradientTests
{
    private const int Batch = 3;
    private const int In = 5;
    private const int Out = 4;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Backward_matches_finite_differences(bool bias)
    {
        // L = Σ r ⊙ y, so dL/dY = r.
        var layer = new Linear<double>(In, Out, bias, new Random(7));
        var x = FiniteDifference.Random(Batch * In, seed: 8);
        var r = FiniteDifference.Random(Batch * Out, seed: 9);
        double Loss()
        {
            var y = new double[Batch * Out];
            layer.Forward(x, y, Batch);
            return FiniteDifference.Dot(r, y);
        }

        var dx = new double[Batch * In];
        layer.Backward(x, r, dx, Batch);
        FiniteDifference.CheckInPlace(layer.Weight.Value, Loss, layer.Weight.Gradient, "dW");
        FiniteDifference.CheckInPlace(x, Loss, dx, "dX");
        if (bias)
        {
            FiniteDifference.CheckInPlace(layer.Bias!.Value, Loss, layer.Bias.Gradient, "db");
        }
    }

    [Fact]
    public void Backward_accumulates_into_parameter_gradients()
    {
        var layer = new Linear<double>(In, Out, random: new Random(1));
        var x = FiniteDifference.Random(Batch * In, seed: 2);
        var dy = FiniteDifference.Random(Batch * Out, seed: 3);
        layer.Backward(x, dy, [], Batch);
        var once = (double[])layer.Weight.Gradient.Clone();
        layer.Backward(x, dy, [], Batch);
        Assert.Equal(once.Select(v => 2 * v), layer.Weight.Gradient, new Tolerance(1e-15));
    }

    [Fact]
    public void A_frozen_layer_leaves_its_gradients_at_zero_and_still_propagates_dX()
    {
        var layer = new Linear<double>(In, Out, random: new Random(11)) { IsFrozen = true };
        var x = FiniteDifference.Random(Batch * In, seed: 12);
        var r = FiniteDifference.Random(Batch * Out, seed: 13);
        var dx = new double[Batch * In];
        layer.Backward(x, r, dx, Batch);
        Assert.All(layer.Weight.Gradient, g => Assert.Equal(0.0, g));
        Assert.All(layer.Bias!.Gradient, g => Assert.Equal(0.0, g));
        FiniteDifference.CheckInPlace(x, () =>
        {
            var y = new double[Batch * Out];
            layer.Forward(x, y, Batch);
            return FiniteDifference.Dot(r, y);
        }, dx, "dX (frozen)");
    }

    [Fact]
    public void Bad_spans_name_the_shapes()
    {
        var layer = new Linear<double>(In, Out);
        var ex = Assert.Throws<ArgumentException>(() => layer.Backward(new double[Batch * In], new double[Batch * Out + 1], [], Batch));
        Assert.Contains("Linear [4, 5]: output gradient has 13 elements, expected batch 3 × out 4 = 12", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => layer.Backward(new double[Batch * In], new double[Batch * Out], new double[2], Batch));
        Assert.Contains("input gradient has 2 elements, expected batch 3 × in 5 = 15", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => layer.Forward(new Tensor<double>(2, 6)));
        Assert.Contains("Linear [4, 5]: input is [2, 6], its innermost dimension must be in = 5", ex.Message);
    }

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double value) => 0;
    }
}
