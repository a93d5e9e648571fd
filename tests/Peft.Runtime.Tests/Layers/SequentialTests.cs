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
        Assert.Equal(2, model.GetOutputFeatures(3));
    }

    [Fact]
    public void An_MLP_with_cross_entropy_matches_finite_differences()
    {
        var model = new Sequential<double>(
            new Linear<double>(5, 7, random: new Random(1)), new GELU<double>(),
            new Linear<double>(7, 6, random: new Random(2)), new SiLU<double>(),
            new Linear<double>(6, 3, random: new Random(3)));
        var x = FiniteDifference.Random(Batch * 5, seed: 4, scale: 2.0);
        int[] targets = [0, 2, 1, 2];
        var logits = new double[Batch * 3];
        double Loss()
        {
            model.Forward(x, logits, Batch);
            return SoftmaxCrossEntropy.Compute<double>(logits, targets, []);
        }

        model.Forward(x, logits, Batch);
        var dLogits = new double[Batch * 3];
        SoftmaxCrossEntropy.Compute<double>(logits, targets, dLogits);
        var dx = new double[Batch * 5];
        model.Backward(x, dLogits, dx, Batch);

        foreach (var (path, parameter) in model.NamedParameters<double>())
        {
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, path);
        }

        FiniteDifference.CheckInPlace(x, Loss, dx, "dX");
    }

    [Fact]
    public void Steady_state_steps_allocate_nothing_and_a_larger_batch_grows_the_caches()
    {
        var model = new Sequential(new Linear(8, 16), new ReLU(), new Linear(16, 4));
        var optimizer = new AdamW(model);
        void Step(int batch, float[] x, float[] y, float[] dy)
        {
            model.Forward(x, y, batch);
            optimizer.ZeroGradients();
            model.Backward(x, dy, [], batch);
            optimizer.Step();
        }

        float[] x2 = new float[2 * 8], y2 = new float[2 * 4], dy2 = new float[2 * 4];
        float[] x5 = new float[5 * 8], y5 = new float[5 * 4], dy5 = new float[5 * 4];
        Step(5, x5, y5, dy5);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            Step(2, x2, y2, dy2); // smaller batches reuse the caches
            Step(5, x5, y5, dy5);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_input_is_rejected_with_the_layer_and_shapes()
    {
        var model = new Sequential<double>(new Linear<double>(3, 4), new ReLU<double>(), new Linear<double>(4, 2));
        var ex = Assert.Throws<ArgumentException>(() => model.Forward(new double[8], new double[4], 2));
        Assert.Contains("Sequential layer '0': Linear [4, 3]: input rows have 4 features, expected 3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => model.Forward(new double[6], new double[5], 2));
        Assert.Contains("output has 5 elements, expected batch 2 × 2 = 4", ex.Message);
        Assert.Throws<InvalidOperationException>(() => model.Backward(new double[6], new double[4], [], 2));
        ex = Assert.Throws<ArgumentException>(() => new Sequential<double>(new Linear(3, 4)));
        Assert.Contains("layer 0 (Linear) is not an ILayer<Double>", ex.Message);
        Assert.Throws<ArgumentException>(() => new Sequential<double>());
        Assert.Throws<ArgumentNullException>(() => new Sequential<double>(null!));
    }
}
