using Peft.Gpu.Training;

namespace Peft.Gpu.Tests;

/// <summary>
/// A chain <c>Linear ReLU Linear ReLU Linear</c> (LoRA+, MoRA sharing and LoRA adapters) trained on the device, one
/// submission per cross-entropy step, against the same model trained by the CPU runtime: loss, logits and every
/// adapter tensor after several steps.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class AdaptedSequentialStepTests
{
    private const double Tolerance = 2e-5;
    private const int Batch = 7;

    private static (Sequential Model, AdamW Optimizer) NewModel()
    {
        var random = new Random(3);
        var model = new Sequential(new Linear(20, 16, random: random), new ReLU(), new Linear(16, 12, random: random), new ReLU(), new Linear(12, 5, random: random));
        var first = ((Linear)model[0]).AttachLoRAPlus("default", new LoRAPlusOptions { Rank = 3, Alpha = 6, Ratio = 16 });
        var middle = ((Linear)model[2]).AttachMoRA("default", new MoRAOptions { Rank = 2 });
        var last = ((Linear)model[4]).AttachLoRA("default", new LoRAOptions { Rank = 2, Alpha = 4 });
        var fill = new Random(5);
        foreach (var values in new[] { first.B.Value, middle.M.Value, last.B.Value })
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)(fill.NextDouble() - 0.5) * 0.2f; // B and M start at zero; nonzero reaches every gradient
            }
        }

        return (model, new AdamW(LoRAPlusParameterGroups.Create(model, 1e-2, 16, 0.01), epsilon: 1e-8));
    }

    [VulkanFact]
    public void CrossEntropyStepsOfTheChainMatchTheCpuRuntime() => TrainBesideTheCpu(GpuBasePrecision.Float32, Tolerance, compareAdapters: true);

    // Every layer's base in float16: the hidden activations and the gradients between layers are rounded to float16 on
    // the device and not on the CPU, so logits and loss agree to float16's precision. The adapters are not compared:
    // AdamW's first steps move each weight by about ±lr whatever the gradient's size, so float16 noise in a gradient
    // near zero flips whole updates.
    [HalfGemmFact]
    public void CrossEntropyStepsOfAFloat16ChainFollowTheCpuRuntime() => TrainBesideTheCpu(GpuBasePrecision.Float16, 3e-3, compareAdapters: false);

    private static void TrainBesideTheCpu(GpuBasePrecision precision, double tolerance, bool compareAdapters)
    {
        var (cpu, cpuOptimizer) = NewModel();
        var (twin, twinOptimizer) = NewModel();
        using var gpu = twin.ToGpu(TestDevice.Device, twinOptimizer, Batch, precision);
        Assert.Equal(3, gpu.Layers.Count);
        var random = new Random(13);
        var logitsGradient = new float[Batch * 5];
        for (int step = 0; step < 3; step++)
        {
            float[] x = Matrices.Random(random, Batch * 20);
            int[] targets = Enumerable.Range(0, Batch).Select(_ => random.Next(5)).ToArray();

            var logits = cpu.Forward(Tensor<float>.Wrap(x, Batch, 20));
            float[] expectedLogits = logits.Span.ToArray();
            double loss = SoftmaxCrossEntropy.Compute<float>(logits.Span, targets, logitsGradient);
            cpu.Backward(Tensor<float>.Wrap(logitsGradient, Batch, 5), null);
            cpuOptimizer.Step();
            cpuOptimizer.ZeroGradients();

            gpu.Input.Upload(x);
            gpu.UploadTargets(targets);
            gpu.StepCrossEntropy();
            Assert.Equal(loss, gpu.ReadLoss(), Math.Max(1e-5, tolerance) * Math.Max(1, Math.Abs(loss)));
            var gpuLogits = new float[Batch * 5];
            gpu.Output.Download(gpuLogits);
            Matrices.AssertClose(expectedLogits, gpuLogits, tolerance, $"{precision} logits, step {step}");
        }

        if (!compareAdapters)
        {
            return;
        }

        gpu.CopyAdaptersToModel();
        var expected = cpu.NamedParameters().Where(p => p.Value.Trainable).ToArray();
        var actual = twin.NamedParameters().Where(p => p.Value.Trainable).ToArray();
        Assert.Equal(expected.Select(p => p.Key), actual.Select(p => p.Key));
        Assert.Equal(5, expected.Length); // A and B of two LoRA layers, M of the MoRA layer
        for (int i = 0; i < expected.Length; i++)
        {
            Matrices.AssertClose(((Parameter<float>)expected[i].Value).Value, ((Parameter<float>)actual[i].Value).Value, Tolerance, expected[i].Key);
        }
    }

    [VulkanFact]
    public void SteadyStateChainStepsAllocateNothing()
    {
        var (model, optimizer) = NewModel();
        using var gpu = model.ToGpu(TestDevice.Device, optimizer, Batch);
        gpu.Input.Upload(Matrices.Random(new Random(2), Batch * 20));
        gpu.UploadTargets([0, 1, 2, 3, 4, 0, 1]);
        gpu.StepCrossEntropy();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            gpu.StepCrossEntropy();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Other_modules_are_refused_naming_the_position()
    {
        var model = new Sequential(new Linear(4, 4), new Tanh<float>(), new Linear(4, 2));
        // The structure is checked before the device or the optimizer is touched.
        var error = Assert.Throws<NotSupportedException>(() => GpuAdaptedSequential.Create(null!, model, null!, 2));
        Assert.Contains("layer '1' is Tanh`1", error.Message);
        error = Assert.Throws<NotSupportedException>(() => GpuAdaptedSequential.Create(null!, new Sequential(new Linear(4, 4), new ReLU()), null!, 2));
        Assert.Contains("layer '1' is ReLU", error.Message);
    }
}
