using Peft.Tests.Testing;

namespace Peft.Tests.Layers;

public sealed class SequentialTests
{
    private const int Batch = 4;

    [Fact]
    public void Children_are_named_by_position_as_in_PyTorch()
    {
        var model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2, bias: false));
        Assert.Equal(["0.weight", "0.bias", "2.weight"], model.NamedParameters().Select(p => p.Key));
        Assert.IsType<ReLU>(model.FindModule("1"));
        Assert.Equal([5, 2], model.Forward(new Tensor<float>(5, 3)).Shape.ToArray());
    }

    [Fact]
    public void An_MLP_with_cross_entropy_matches_finite_differences()
    {
        var model = new Sequential<double>(
            new Linear<double>(5, 7, random: new Random(1)), new GELU<double>(),
            new Residual<double>(new Sequential<double>(new Linear<double>(7, 7, random: new Random(5)), new SiLU<double>())),
            new Linear<double>(7, 6, random: new Random(2)), new SiLU<double>(),
            new Linear<double>(6, 3, random: new Random(3)));
        var x = FiniteDifference.Random(Batch * 5, seed: 4, scale: 2.0);
        var input = Tensor<double>.Wrap(x, Batch, 5);
        int[] targets = [0, 2, 1, 2];
        double Loss() => SoftmaxCrossEntropy.Compute<double>(model.Forward(input).Span, targets, []);

        var logits = model.Forward(input);
        var dLogits = new Tensor<double>(Batch, 3);
        SoftmaxCrossEntropy.Compute<double>(logits.Span, targets, dLogits.Span);
        var dx = model.Backward(dLogits);

        foreach (var (path, parameter) in model.NamedParameters<double>())
        {
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, path);
        }

        FiniteDifference.CheckInPlace(x, Loss, dx.ToArray(), "dX");
    }

    [Fact]
    public void Backward_adds_to_the_input_gradient()
    {
        var model = new Sequential<double>(new Linear<double>(3, 4), new ReLU<double>(), new Linear<double>(4, 2));
        var x = Tensor<double>.Wrap(FiniteDifference.Random(6, seed: 1), 2, 3);
        model.Forward(x);
        var dy = Tensor<double>.Wrap(FiniteDifference.Random(4, seed: 2), 2, 2);
        var once = model.Backward(dy).ToArray();
        var accumulated = Tensor<double>.Wrap(Enumerable.Repeat(1.0, 6).ToArray(), 2, 3);
        model.Backward(dy, accumulated);
        Assert.Equal(once.Select(v => v + 1.0), accumulated.ToArray());
    }

    [Fact]
    public void Steady_state_steps_allocate_nothing_and_a_larger_batch_grows_the_caches()
    {
        var model = new Sequential(new Linear(8, 16), new ReLU(), new Residual(new Linear(16, 16)), new Linear(16, 4));
        var optimizer = new AdamW(model);
        Tensor<float> x2 = new(2, 8), dy2 = new(2, 4), x5 = new(5, 8), dy5 = new(5, 4);
        void Step(Tensor<float> x, Tensor<float> dy)
        {
            model.Forward(x);
            optimizer.ZeroGradients();
            model.Backward(dy, null);
            optimizer.Step();
        }

        Step(x5, dy5);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Step(x2, dy2); // smaller batches reuse the caches
            Step(x5, dy5);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_layer_and_shapes()
    {
        var model = new Sequential<double>(new Linear<double>(3, 4), new ReLU<double>(), new Linear<double>(4, 2));
        var ex = Assert.Throws<ArgumentException>(() => model.Forward(new Tensor<double>(2, 4)));
        Assert.Contains("Sequential layer '0': Linear [4, 3]: input is [2, 4], its innermost dimension must be in = 3", ex.Message);
        Assert.Throws<InvalidOperationException>(() => model.Backward(new Tensor<double>(2, 2)));
        model.Forward(new Tensor<double>(2, 3));
        ex = Assert.Throws<ArgumentException>(() => model.Backward(new Tensor<double>(2, 3)));
        Assert.Contains("Sequential: output gradient is [2, 3], the forward output was [2, 2]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Sequential<double>(new Linear(3, 4)));
        Assert.Contains("layer 0 (Linear) is not an ILayer<Double>", ex.Message);
        Assert.Throws<ArgumentException>(() => new Sequential<double>());
        Assert.Throws<ArgumentNullException>(() => new Sequential<double>(null!));
    }

    [Fact]
    public void An_input_reshaped_before_backward_is_an_error()
    {
        var layer = new Linear<double>(3, 2);
        var x = new Tensor<double>(4, 3);
        layer.Forward(x);
        x.Reshape(2, 3);
        var ex = Assert.Throws<InvalidOperationException>(() => layer.Backward(new Tensor<double>(4, 2)));
        Assert.Contains("Linear [2, 3]: its forward input changed shape from [4, 3] to [2, 3]", ex.Message);
    }
}
