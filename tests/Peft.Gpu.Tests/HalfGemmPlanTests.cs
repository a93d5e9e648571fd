using Peft.Gpu.Kernels;

namespace Peft.Gpu.Tests;

/// <summary>The half-precision GEMM's tile choice, padding and dispatch as data (no device).</summary>
public sealed class HalfGemmPlanTests
{
    [Fact]
    public void ChoosesTheLargestTileWhoseBlocksDivideTheAlignment()
    {
        // NVIDIA offers 16×16×16, 16×8×16 and 16×8×8 for float16; 64×8×16 has a 128-row block (too tall for the padding).
        var shape = HalfGemmShape.Choose([(16, 8, 8), (16, 16, 16), (16, 8, 16), (64, 8, 16)], 32);
        Assert.Equal(new HalfGemmShape(16, 16, 16, 32), shape);
        Assert.Equal(32, shape!.BlockM);
        Assert.Equal(new HalfGemmShape(8, 8, 8, 8), HalfGemmShape.Choose([(8, 8, 8), (3, 8, 8)], 8));
        Assert.Null(HalfGemmShape.Choose([(48, 16, 16), (16, 16, 24)], 32));
        Assert.Null(HalfGemmShape.Choose([], 32));
        Assert.Null(HalfGemmShape.Choose([(16, 16, 16)], 0));
    }

    [Fact]
    public void PadsToTheAlignment()
    {
        Assert.Equal(64, HalfGemmShape.Pad(1));
        Assert.Equal(64, HalfGemmShape.Pad(64));
        Assert.Equal(128, HalfGemmShape.Pad(65));
        Assert.Equal(11008, HalfGemmShape.Pad(11008));
        Assert.Throws<ArgumentOutOfRangeException>(() => HalfGemmShape.Pad(0));
        Assert.Equal(64L * 128 / 2, GpuKernels.HalfWords(5, 67));
    }

    [Fact]
    public void DispatchCarriesTheTileAndPaddedStrides()
    {
        var shape = new HalfGemmShape(16, 16, 16, 32);
        var d = GpuKernels.HalfGemm(shape, false, true, 100, 70, 33, 0.5f, 3, 4, 1f, 5, 80);
        Assert.Equal(new PipelineKey("gemm_coopmat", 3, new SpecializationConstants(0, 1, 16, 16, 16, 32)), d.Kernel);
        Assert.Equal([3, 4, 5], d.Slots);
        // M, N, padded K, lda = Pad(K), ldb = Pad(K) (B stored N×K), ldc, alpha, beta
        Assert.Equal(new uint[] { 100, 70, 64, 64, 64, 80, GpuKernels.Bits(0.5f), GpuKernels.Bits(1f) }, d.PushConstants);
        Assert.Equal(new DispatchGroups(3, 4, 1), d.Groups); // ⌈70/32⌉ × ⌈100/32⌉
        var transposedA = GpuKernels.HalfGemm(shape, true, false, 100, 70, 33, 1f, 0, 1, 0f, 2, 70);
        Assert.Equal(128u, transposedA.PushConstants[3]); // A stored K×M: lda = Pad(M)
        Assert.Equal(128u, transposedA.PushConstants[4]); // B stored K×N: ldb = Pad(N)
        Assert.Throws<ArgumentException>(() => GpuKernels.HalfGemm(shape, false, false, 4, 8, 2, 1f, 0, 1, 0f, 2, 7));
        Assert.Throws<ArgumentException>(() => GpuKernels.ToHalf(4, 8, 7, 0, 1));
    }
}
