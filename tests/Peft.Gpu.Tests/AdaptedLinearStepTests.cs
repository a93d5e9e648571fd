using Peft.Gpu.Training;
using Xunit.Abstractions;

namespace Peft.Gpu.Tests;

/// <summary>
/// The whole device-resident step (forward, loss, backward, AdamW) against the CPU runtime's Linear + adapter + AdamW on
/// the same data: outputs, dL/dx, adapter gradients and updated adapter tensors after several steps, and the merge.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class AdaptedLinearStepTests(ITestOutputHelper output)
{
    private const double Tolerance = 2e-5;

    public static TheoryData<string, int, int, int, int> Shapes => new()
    {
        { "lora", 5, 33, 20, 4 },
        { "loraplus", 70, 96, 130, 8 },
        { "mora", 9, 50, 30, 2 },    // r̂ = 11: in and out not multiples of r̂
        { "mora", 3, 8, 70, 4 },     // r̂ = 17 > in: the cyclic padding repeats x
    };

    [VulkanTheory]
    [MemberData(nameof(Shapes))]
    public void StepsWithAGivenOutputGradientMatchTheCpuRuntime(string adapter, int n, int inF, int outF, int rank)
    {
        var cpu = new CpuReference(adapter, inF, outF, rank, weightDecay: 0.01);
        var twin = new CpuReference(adapter, inF, outF, rank, weightDecay: 0.01);
        using var gpu = twin.Layer.ToGpu(TestDevice.Device, twin.Optimizer, n, inputGradient: true);
        output.WriteLine($"{gpu.Descriptor} on {TestDevice.Device}");
        var random = new Random(11);
        for (int step = 0; step < 3; step++)
        {
            float[] x = Matrices.Random(random, n * inF);
            float[] dy = Matrices.Random(random, n * outF);
            var (y, dx) = CpuStep(cpu, x, dy, n, targets: null, out _);
            gpu.Input.Upload(x);
            gpu.OutputGradient.Upload(dy);
            gpu.Step();
            CompareStep(cpu, twin, gpu, y, dx, $"{adapter} step {step}");
        }
    }

    [VulkanTheory]
    [MemberData(nameof(Shapes))]
    public void CrossEntropyStepsMatchTheCpuRuntime(string adapter, int n, int inF, int outF, int rank)
    {
        var cpu = new CpuReference(adapter, inF, outF, rank);
        var twin = new CpuReference(adapter, inF, outF, rank);
        using var gpu = twin.Layer.ToGpu(TestDevice.Device, twin.Optimizer, n, inputGradient: true);
        var random = new Random(13);
        for (int step = 0; step < 3; step++)
        {
            float[] x = Matrices.Random(random, n * inF);
            int[] targets = Enumerable.Range(0, n).Select(_ => random.Next(outF)).ToArray();
            var (y, dx) = CpuStep(cpu, x, new float[n * outF], n, targets, out double loss);
            gpu.Input.Upload(x);
            gpu.UploadTargets(targets);
            gpu.StepCrossEntropy();
            Assert.Equal(loss, gpu.ReadLoss(), 1e-5 * Math.Max(1, Math.Abs(loss)));
            CompareStep(cpu, twin, gpu, y, dx, $"{adapter} cross-entropy step {step}");
        }
    }

    [VulkanTheory]
    [MemberData(nameof(Shapes))]
    public void MergedWeightMatchesTheCpuMerge(string adapter, int n, int inF, int outF, int rank)
    {
        var cpu = new CpuReference(adapter, inF, outF, rank);
        var twin = new CpuReference(adapter, inF, outF, rank);
        using var gpu = twin.Layer.ToGpu(TestDevice.Device, twin.Optimizer, n);
        float[] merged = new float[outF * inF];
        gpu.ComputeMergedWeight(merged);
        cpu.Layer.Adapters.Merge();
        Matrices.AssertClose(cpu.Layer.Weight.Value, merged, Tolerance, $"{adapter} merged weight");
    }

    [VulkanFact]
    public void ForwardAloneLeavesTheAdapterUnchanged()
    {
        var twin = new CpuReference("lora", 16, 12, 4);
        float[] before = twin.AdapterParameters[0].Value.ToArray();
        using var gpu = twin.Layer.ToGpu(TestDevice.Device, twin.Optimizer, 2);
        gpu.Input.Upload(Matrices.Random(new Random(1), 2 * 16));
        gpu.Forward();
        gpu.CopyAdapterToLayer();
        Assert.Equal(before, twin.AdapterParameters[0].Value);
        Assert.Equal(0, gpu.StepCount);
    }

    // One CPU step: forward, the loss (cross-entropy when targets are given, else dy as given), backward, AdamW.
    private static (float[] Y, float[] Dx) CpuStep(CpuReference cpu, float[] x, float[] dy, int n, int[]? targets, out double loss)
    {
        var y = new float[n * cpu.Layer.OutFeatures];
        var dx = new float[x.Length];
        cpu.Layer.Forward(x, y, n);
        loss = targets is null ? double.NaN : SoftmaxCrossEntropy.Compute<float>(y, targets, dy);
        cpu.Layer.Backward(x, dy, dx, n);
        return (y, dx);
    }

    private static void CompareStep(CpuReference cpu, CpuReference twin, GpuAdaptedLinear gpu, float[] y, float[] dx, string what)
    {
        var gpuY = new float[y.Length];
        gpu.Output.Download(gpuY);
        Matrices.AssertClose(y, gpuY, Tolerance, what + " y");
        var gpuDx = new float[dx.Length];
        gpu.InputGradient.Download(gpuDx);
        Matrices.AssertClose(dx, gpuDx, Tolerance, what + " dx");

        // The GPU writes this step's gradients; the CPU accumulated them into zeroed gradients.
        gpu.CopyAdapterToLayer();
        for (int i = 0; i < cpu.AdapterParameters.Count; i++)
        {
            Matrices.AssertClose(cpu.AdapterParameters[i].Gradient, twin.AdapterParameters[i].Gradient, Tolerance, $"{what} gradient of {cpu.AdapterParameters[i].Name}");
        }

        cpu.Optimizer.Step();
        cpu.Optimizer.ZeroGradients();
        for (int i = 0; i < cpu.AdapterParameters.Count; i++)
        {
            Matrices.AssertClose(cpu.AdapterParameters[i].Value, twin.AdapterParameters[i].Value, Tolerance, $"{what} updated {cpu.AdapterParameters[i].Name}");
        }
    }
}
