using Peft.Gpu.Training;
using Xunit.Abstractions;

namespace Peft.Gpu.Tests;

/// <summary>
/// Training steps with the frozen base in float16 on cooperative matrices (<see cref="GpuBasePrecision.Float16"/>)
/// against the CPU runtime in float32. Where x, W0 and dL/dy are float16 values already, the conversion is exact and the
/// products of halves are exact in float32, so the step must agree as closely as the float32 one; where the loss writes
/// dL/dy on the device, dL/dx carries its rounding to float16 (2⁻¹¹ relative).
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class HalfBaseStepTests(ITestOutputHelper output)
{
    private const double Tolerance = 2e-5;

    [HalfGemmTheory]
    [MemberData(nameof(AdaptedLinearStepTests.Shapes), MemberType = typeof(AdaptedLinearStepTests))]
    public void StepsOnHalfValuesMatchTheCpuRuntime(string adapter, int n, int inF, int outF, int rank)
    {
        var (cpu, twin) = (Rounded(new CpuReference(adapter, inF, outF, rank, weightDecay: 0.01)), Rounded(new CpuReference(adapter, inF, outF, rank, weightDecay: 0.01)));
        using var gpu = twin.Layer.ToGpu(TestDevice.Device, twin.Optimizer, n, inputGradient: true, basePrecision: GpuBasePrecision.Float16);
        output.WriteLine($"{gpu.Descriptor} on {TestDevice.Device}");
        Assert.Equal(HalfGemmDevice.Shape, gpu.Descriptor.BaseHalfGemm);
        var random = new Random(17);
        for (int step = 0; step < 3; step++)
        {
            float[] x = HalfMatrices.Rounded(Matrices.Random(random, n * inF));
            float[] dy = HalfMatrices.Rounded(Matrices.Random(random, n * outF));
            var (y, dx) = AdaptedLinearStepTests.CpuStep(cpu, x, dy, n, targets: null, out _);
            gpu.Input.Upload(x);
            gpu.OutputGradient.Upload(dy);
            gpu.Step();
            AdaptedLinearStepTests.CompareStep(cpu, twin, gpu, y, dx, $"{adapter} float16 base step {step}");
        }
    }

    [HalfGemmFact]
    public void CrossEntropyStepsRoundOnlyTheInputGradient()
    {
        const int n = 40, inF = 72, outF = 50;
        var (cpu, twin) = (Rounded(new CpuReference("loraplus", inF, outF, 8)), Rounded(new CpuReference("loraplus", inF, outF, 8)));
        using var gpu = twin.Layer.ToGpu(TestDevice.Device, twin.Optimizer, n, inputGradient: true, basePrecision: GpuBasePrecision.Float16);
        var random = new Random(19);
        for (int step = 0; step < 3; step++)
        {
            float[] x = HalfMatrices.Rounded(Matrices.Random(random, n * inF));
            int[] targets = Enumerable.Range(0, n).Select(_ => random.Next(outF)).ToArray();
            var (y, dx) = AdaptedLinearStepTests.CpuStep(cpu, x, new float[n * outF], n, targets, out double loss);
            gpu.Input.Upload(x);
            gpu.UploadTargets(targets);
            gpu.StepCrossEntropy();
            Assert.Equal(loss, gpu.ReadLoss(), 1e-5 * Math.Max(1, Math.Abs(loss)));
            AdaptedLinearStepTests.CompareStep(cpu, twin, gpu, y, dx, $"float16 base cross-entropy step {step}", dxTolerance: 2e-3);
        }
    }

    [VulkanFact]
    public void DevicesWithoutTheHalfGemmRefuseAFloat16Base()
    {
        var device = TestDevice.Device;
        var twin = new CpuReference("lora", 8, 6, 2);
        if (device.HalfGemm is not null)
        {
            using var gpu = twin.Layer.ToGpu(device, twin.Optimizer, 2, basePrecision: GpuBasePrecision.Float16);
            Assert.NotNull(gpu.Descriptor.BaseHalfGemm);
            return;
        }

        var error = Assert.Throws<NotSupportedException>(() => twin.Layer.ToGpu(device, twin.Optimizer, 2, basePrecision: GpuBasePrecision.Float16));
        Assert.Contains(device.HalfGemmUnavailableReason, error.Message);
        Assert.Contains("Linear [6, 8]", error.Message);
    }

    // The base weight as float16 values (the bias stays float32, as it is added in float32 on both sides).
    private static CpuReference Rounded(CpuReference reference)
    {
        float[] weight = reference.Layer.Weight.Value;
        HalfMatrices.Rounded(weight).CopyTo(weight, 0);
        return reference;
    }
}
