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
        { "mora-rope", 6, 50, 30, 2 },  // r̂ = 12, G = 5 chunks, 3 reach the output (no tiling)
        { "mora-rope", 4, 24, 70, 4 },  // r̂ = 18, G = 2 chunks tiled with period 36 over out = 70
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

    [VulkanFact]
    public void SteadyStateStepsAllocateNothing()
    {
        var twin = new CpuReference("loraplus", 32, 24, 4);
        using var gpu = twin.Layer.ToGpu(TestDevice.Device, twin.Optimizer, 4);
        gpu.Input.Upload(Matrices.Random(new Random(2), 4 * 32));
        gpu.OutputGradient.Upload(Matrices.Random(new Random(3), 4 * 24));
        gpu.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            gpu.Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(6, gpu.StepCount);
    }

    [Fact]
    public void UnsupportedLayersAreRejectedByName()
    {
        // Checked before any device call, so no Vulkan is needed.
        var trainableBase = new Linear(8, 6);
        trainableBase.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        trainableBase.IsFrozen = false;
        var optimizer = new AdamW(trainableBase);
        var error = Assert.Throws<NotSupportedException>(() => GpuAdaptedLinear.Create(null!, trainableBase, optimizer, 1));
        Assert.Contains("Linear [6, 8]", error.Message);

        var merged = new Linear(8, 6);
        merged.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        merged.Adapters.Merge();
        Assert.Contains("is merged", Assert.Throws<NotSupportedException>(() => GpuAdaptedLinear.Describe(merged, 1, false)).Message);

        var dropout = new Linear(8, 6);
        dropout.AttachLoRA("default", new LoRAOptions { Rank = 2, Dropout = 0.1 });
        Assert.Contains("dropout 0.1", Assert.Throws<NotSupportedException>(() => GpuAdaptedLinear.Describe(dropout, 1, false)).Message);
    }

    [Fact]
    public void TheDescriptorCarriesTheLayersConstants()
    {
        var layer = new Linear(40, 24, bias: false);
        layer.AttachLoRA("default", new LoRAOptions { Rank = 4, Alpha = 12 });
        var (descriptor, parameters) = GpuAdaptedLinear.Describe(layer, 16, true);
        Assert.Equal(new AdaptedLinearDescriptor(GpuAdapterKind.LoRA, 40, 24, 4, 3f, false, 16, true), descriptor);
        Assert.Equal(["lora_A", "lora_B"], parameters.Select(p => p.Name));
    }

    // One CPU step: forward, the loss (cross-entropy when targets are given, else dy as given), backward, AdamW.
    internal static (float[] Y, float[] Dx) CpuStep(CpuReference cpu, float[] x, float[] dy, int n, int[]? targets, out double loss)
    {
        var y = new float[n * cpu.Layer.OutFeatures];
        var dx = new float[x.Length];
        cpu.Layer.Forward(x, y, n);
        loss = targets is null ? double.NaN : SoftmaxCrossEntropy.Compute<float>(y, targets, dy);
        cpu.Layer.Backward(x, dy, dx, n);
        return (y, dx);
    }

    internal static void CompareStep(CpuReference cpu, CpuReference twin, GpuAdaptedLinear gpu, float[] y, float[] dx, string what, double dxTolerance = Tolerance)
    {
        var gpuY = new float[y.Length];
        gpu.Output.Download(gpuY);
        Matrices.AssertClose(y, gpuY, Tolerance, what + " y");
        var gpuDx = new float[dx.Length];
        gpu.InputGradient!.Download(gpuDx);
        Matrices.AssertClose(dx, gpuDx, dxTolerance, what + " dx");

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
