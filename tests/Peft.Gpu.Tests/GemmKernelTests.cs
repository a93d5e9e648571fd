using Peft.Gpu.Kernels;
using Peft.Gpu.Vulkan;
using Xunit.Abstractions;

namespace Peft.Gpu.Tests;

/// <summary>The tiled SGEMM shader against a double-precision reference, every transpose, edge tiles, alpha and beta.</summary>
[Collection(VulkanCollection.Name)]
public sealed class GemmKernelTests(ITestOutputHelper output)
{
    // Both block shapes (64×64 below 128 on a side, 128×128 from there), edge blocks, K not a multiple of the K step.
    [VulkanTheory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 5, 3)]
    [InlineData(65, 70, 17)]
    [InlineData(130, 9, 100)]
    [InlineData(8, 200, 33)]
    [InlineData(128, 128, 8)]
    [InlineData(131, 257, 21)]
    public void EveryTransposeMatchesTheReference(int m, int n, int k)
    {
        output.WriteLine($"device: {TestDevice.Device}");
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                CheckGemm(ta, tb, m, n, k, alpha: 0.75f, beta: 0f);
                CheckGemm(ta, tb, m, n, k, alpha: -1.5f, beta: 0.5f);
            }
        }
    }

    [VulkanFact]
    public void BetaZeroIgnoresNaNInTheDestination()
    {
        float[] c = GpuRunner.Run(
            GpuKernels.Gemm(false, false, 2, 2, 2, 1f, 0, 2, 1, 2, 0f, 2, 2),
            [1, 2, 3, 4], [1, 0, 0, 1], [float.NaN, float.NaN, float.NaN, float.NaN])[2];
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
    }

    private static void CheckGemm(bool ta, bool tb, int m, int n, int k, float alpha, float beta)
    {
        var random = new Random(m * 31 + n * 7 + k);
        float[] a = Matrices.Random(random, m * k);
        float[] b = Matrices.Random(random, k * n);
        float[] c = Matrices.Random(random, m * n);
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        double[] expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = ta ? a[p * lda + i] : a[i * lda + p];
                    double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }

                expected[i * n + j] = alpha * sum + beta * c[i * n + j];
            }
        }

        float[] actual = GpuRunner.Run(GpuKernels.Gemm(ta, tb, m, n, k, alpha, 0, lda, 1, ldb, beta, 2, n), a, b, c)[2];
        Matrices.AssertClose(expected, actual, 1e-5, $"gemm ta={ta} tb={tb} {m}×{n}×{k}");
    }
}
