using Peft.Gpu.Kernels;
using Peft.Gpu.Training;
using S = Peft.Gpu.Training.AdaptedLinearSlot;

namespace Peft.Gpu.Tests;

/// <summary>Dispatch geometry, pipeline keys and plans: pure data, checked without a Vulkan device.</summary>
public sealed class KernelPlanTests
{
    [Theory]
    [InlineData(1, 1, "gemm", 1, 1)]
    [InlineData(64, 64, "gemm", 1, 1)]
    [InlineData(65, 64, "gemm", 1, 2)]
    [InlineData(512, 8, "gemm", 1, 8)]
    [InlineData(127, 4096, "gemm", 64, 2)]
    [InlineData(128, 128, "gemm_large", 1, 1)]
    [InlineData(512, 1024, "gemm_large", 8, 4)]
    [InlineData(8192, 11008, "gemm_large", 86, 64)]
    public void GemmWorkgroupsCoverTheResultInTheChosenTile(int m, int n, string shader, uint x, uint y)
    {
        var tile = GemmTiling.Choose(m, n);
        Assert.Equal(shader, tile.Shader);
        Assert.Equal(new DispatchGroups(x, y, 1), GemmTiling.Groups(tile, m, n));
        Assert.Equal(GemmTiling.Threads, tile.TileM / tile.ThreadM * (tile.TileN / tile.ThreadN));
    }

    [Theory]
    [InlineData(1L, 1u, 1u)]
    [InlineData(256L, 1u, 1u)]
    [InlineData(257L, 2u, 1u)]
    [InlineData(65535L * 256, 65535u, 1u)]
    [InlineData(65535L * 256 + 1, 65535u, 2u)]
    public void LinearDispatchesFoldIntoYPast65535Groups(long threads, uint x, uint y)
    {
        var groups = DispatchGroups.Linear(threads, 256);
        Assert.Equal((x, y), (groups.X, groups.Y));
        Assert.True(groups.Count * 256 >= threads);
    }

    [Fact]
    public void PipelineKeysCompareByValue()
    {
        var a = new PipelineKey("gemm", 3, new SpecializationConstants(1, 0));
        var b = new PipelineKey("gemm", 3, new SpecializationConstants([1u, 0u]));
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, a with { Constants = new SpecializationConstants(0, 1) });
        Assert.NotEqual(a, a with { Shader = "periodic_fold" });
        Assert.Equal(SpecializationConstants.None, new SpecializationConstants());
    }

    [Fact]
    public void GemmDispatchCarriesTransposesAsConstantsAndShapesAsPushConstants()
    {
        var dispatch = GpuKernels.Gemm(true, false, 8, 1024, 512, 2f, 0, 8, 1, 1024, 0.5f, 2, 1024);
        Assert.Equal("gemm", dispatch.Kernel.Shader);
        Assert.Equal(new SpecializationConstants(1, 0), dispatch.Kernel.Constants);
        Assert.Equal(new uint[] { 8, 1024, 512, 8, 1024, 1024, GpuKernels.Bits(2f), GpuKernels.Bits(0.5f) }, dispatch.PushConstants);
        Assert.Equal(new DispatchGroups(16, 1, 1), dispatch.Groups);
    }

    [Fact]
    public void GemmRejectsShortLeadingDimensions()
    {
        var error = Assert.Throws<ArgumentException>(() => GpuKernels.Gemm(false, true, 4, 5, 6, 1f, 0, 6, 1, 5, 0f, 2, 5));
        Assert.Contains("ldb 5", error.Message);
    }

    [Fact]
    public void LoRAStepPlanIsForwardThenBackwardOfTheLowRankProducts()
    {
        var d = new AdaptedLinearDescriptor(GpuAdapterKind.LoRA, 1024, 768, 8, 2f, true, 512, false);
        var forward = AdaptedLinearPlan.Forward(d);
        Assert.Equal(["periodic_fold", "gemm_large", "gemm", "gemm_large"], forward.Select(f => f.Kernel.Shader));
        // y = x·W0ᵀ + y: M = batch, N = out, K = in, W transposed
        Assert.Equal(new uint[] { 512, 768, 1024 }, forward[1].PushConstants[..3]);
        Assert.Equal(new SpecializationConstants(0, 1), forward[1].Kernel.Constants);
        Assert.Equal([(int)S.Input, (int)S.Weight, (int)S.Output], forward[1].Slots);
        var backward = AdaptedLinearPlan.Backward(d);
        Assert.Equal(3, backward.Length); // dY·B, dB, dA (no dx asked)
        Assert.Equal([(int)S.Mixed, (int)S.Input, (int)S.FirstGradient], backward[2].Slots);
        Assert.Equal(GpuKernels.Bits(2f), backward[2].PushConstants[6]);
        Assert.Equal(2, AdaptedLinearPlan.Update(d, [0, 1]).Length);
        Assert.Single(AdaptedLinearPlan.Update(d, [0, -1]));
    }

    [Fact]
    public void MoRAPlanFoldsWithThePaddedLength()
    {
        // in 50, r̂ 11 → P = 55
        var d = new AdaptedLinearDescriptor(GpuAdapterKind.MoRASharing, 50, 30, 11, 1f, false, 9, true);
        Assert.Equal(55, d.PaddedLength);
        var compress = AdaptedLinearPlan.Forward(d)[1];
        Assert.Equal("periodic_fold", compress.Kernel.Shader);
        Assert.Equal(new uint[] { 9, 11, 50, 50, 9, 55, 0 }, compress.PushConstants);
        Assert.Equal(121, d.SlotLength(S.First));
        Assert.Equal(1, d.SlotLength(S.Second));
    }

    [Fact]
    public void MoRARoPERowsStopAtTheOutput()
    {
        // in 50, r̂ 12: P = 60, G = 5 chunks; out 30 needs ⌈30/12⌉ = 3 of them
        var d = new AdaptedLinearDescriptor(GpuAdapterKind.MoRARoPE, 50, 30, 12, 1f, true, 6, true);
        Assert.Equal(3, d.Rows);
        Assert.Equal(6 * 3 * 12, d.SlotLength(S.Hidden));
        Assert.Equal(3 * 12, d.SlotLength(S.RotaryTables));
        var rotate = AdaptedLinearPlan.Forward(d)[2];
        Assert.Equal("rope_rotate", rotate.Kernel.Shader);
        Assert.Equal(new uint[] { 6, 3, 12, 50, 50, 0 }, rotate.PushConstants);
        Assert.Equal("rope_rotate", AdaptedLinearPlan.Backward(d)[4].Kernel.Shader);
        Assert.Equal(1u, AdaptedLinearPlan.Backward(d)[4].PushConstants[5]);
        // Merge: copy W0, rotate M's 12 rows into the 3 chunk rows (inverse), accumulate ΔW
        var merge = AdaptedLinearPlan.Merge(d);
        Assert.Equal(["periodic_fold", "rope_rotate", "rope_merge"], merge.Select(m => m.Kernel.Shader));
        Assert.Equal(new uint[] { 12, 3, 12, 12, 12, 1 }, merge[1].PushConstants);
        Assert.Equal(new uint[] { 30, 50, 12, 3 }, merge[2].PushConstants);
        Assert.Equal(12 * 3 * 12, d.SlotLength(S.RotatedFirst));
        Assert.Throws<ArgumentException>(() => AdaptedLinearPlan.Forward(d with { Rank = 11 }));
    }

    [Fact]
    public void DescriptorValidationNamesTheRecord()
    {
        var error = Assert.Throws<ArgumentException>(() => AdaptedLinearPlan.Forward(new AdaptedLinearDescriptor(GpuAdapterKind.LoRA, 0, 4, 2, 1f, true, 1, false)));
        Assert.Contains("InFeatures = 0", error.Message);
    }

    [Fact]
    public void ChainKernelsAndSlotOffsetsAreData()
    {
        var relu = GpuKernels.ReLU(70_000, 3, 9);
        Assert.Equal(new PipelineKey("relu", 2, SpecializationConstants.None), relu.Kernel);
        Assert.Equal([3, 9], relu.Slots);
        Assert.Equal([70_000u], relu.PushConstants);
        Assert.Equal(DispatchGroups.Linear(70_000, GpuKernels.ElementwiseGroupSize), relu.Groups);
        var backward = GpuKernels.ReLUBackward(5, 1, 2, 3);
        Assert.Equal(("relu_backward", 3), (backward.Kernel.Shader, backward.Kernel.Bindings));
        Assert.Equal([11, 12, 13], GpuKernels.Offset(backward, 10).Slots);
        Assert.Equal([1, 2, 3], backward.Slots); // the original is unchanged
        Assert.Throws<ArgumentOutOfRangeException>(() => GpuKernels.ReLU(0, 0, 1));
    }

    [Fact]
    public void EveryEmbeddedShaderIsSpirV()
    {
        Assert.Equal(["adamw", "gemm", "gemm_coopmat", "gemm_large", "periodic_fold", "relu", "relu_backward", "rope_merge", "rope_rotate", "softmax_cross_entropy", "to_half"], ShaderLibrary.Names);
        foreach (string name in ShaderLibrary.Names)
        {
            Assert.Equal(0x07230203u, BitConverter.ToUInt32(ShaderLibrary.Load(name), 0));
        }

        Assert.Contains("embedded: adamw", Assert.Throws<ArgumentException>(() => ShaderLibrary.Load("missing")).Message);
    }
}
