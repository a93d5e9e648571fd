using Peft.Gpu.Kernels;
using Xunit.Abstractions;

namespace Peft.Gpu.Tests;

/// <summary>
/// The half-precision GEMM (cooperative matrices) against a double-precision product of the same float16 values,
/// every transpose, edge blocks, K not a multiple of the tile; and the float32 → float16 conversion that feeds it.
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class HalfGemmKernelTests(ITestOutputHelper output)
{
    [HalfGemmTheory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 5, 3)]
    [InlineData(33, 40, 17)]
    [InlineData(64, 64, 64)]
    [InlineData(70, 129, 100)]
    [InlineData(130, 9, 65)]
    public void EveryTransposeMatchesTheReference(int m, int n, int k)
    {
        output.WriteLine($"device: {TestDevice.Device}, {HalfGemmDevice.Shape}");
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                Check(ta, tb, m, n, k, alpha: 0.75f, beta: 0f);
                Check(ta, tb, m, n, k, alpha: -1.5f, beta: 0.5f);
            }
        }
    }

    [HalfGemmFact]
    public void BetaZeroIgnoresNaNInTheDestination()
    {
        var shape = HalfGemmDevice.Shape;
        float[] a = HalfMatrices.Pack([1, 2, 3, 4], 2, 2);
        float[] b = HalfMatrices.Pack([1, 0, 0, 1], 2, 2);
        float[] c = GpuRunner.Run(GpuKernels.HalfGemm(shape, false, false, 2, 2, 2, 1f, 0, 1, 0f, 2, 2), a, b, [float.NaN, float.NaN, float.NaN, float.NaN])[2];
        Assert.Equal(new float[] { 1, 2, 3, 4 }, c);
    }

    // Rounds to nearest, even on ties, as System.Half; zeros fill the padding; the leading dimension is honoured.
    [VulkanFact]
    public void ToHalfRoundsToNearestAndPadsWithZeros()
    {
        const int rows = 5, cols = 67, ld = 70;
        var random = new Random(5);
        float[] source = Matrices.Random(random, rows * ld).Select(v => v * 1000f).ToArray();
        source[0] = 1f + 1f / 2048f; // a tie between 1 and 1 + 2⁻¹⁰: even is 1
        source[1] = 1f + 3f / 2048f; // a tie: even is 1 + 2⁻⁹
        source[2] = 70000f;          // beyond float16's range: infinity
        float[] packed = GpuRunner.Run(GpuKernels.ToHalf(rows, cols, ld, 0, 1), source, new float[GpuKernels.HalfWords(rows, cols)])[1];
        Half[] halves = HalfMatrices.Unpack(packed);
        int paddedCols = HalfGemmShape.Pad(cols);
        Assert.Equal(HalfGemmShape.Pad(rows) * paddedCols, halves.Length);
        for (int r = 0; r < HalfGemmShape.Pad(rows); r++)
        {
            for (int c = 0; c < paddedCols; c++)
            {
                Half expected = r < rows && c < cols ? (Half)source[r * ld + c] : Half.Zero;
                Half actual = halves[r * paddedCols + c];
                if (!actual.Equals(expected))
                {
                    Assert.Fail($"ToHalf [{r}, {c}]: {actual} (0x{BitConverter.HalfToUInt16Bits(actual):X4}), expected {expected} (0x{BitConverter.HalfToUInt16Bits(expected):X4}) from {(r < rows && c < cols ? source[r * ld + c] : 0f)}.");
                }
            }
        }
    }

    // ToHalf then HalfGemm, as a training step runs them: the device's rounding feeds the product.
    [HalfGemmFact]
    public void ConvertedOperandsMultiply()
    {
        var shape = HalfGemmDevice.Shape;
        const int m = 37, n = 45, k = 70;
        var random = new Random(11);
        float[] a = Matrices.Random(random, m * k);
        float[] b = Matrices.Random(random, n * k);
        var dispatches = new[]
        {
            GpuKernels.ToHalf(m, k, k, 0, 2),
            GpuKernels.ToHalf(n, k, k, 1, 3),
            GpuKernels.HalfGemm(shape, false, true, m, n, k, 1f, 2, 3, 0f, 4, n),
        };
        float[][] buffers = [a, b, new float[GpuKernels.HalfWords(m, k)], new float[GpuKernels.HalfWords(n, k)], new float[m * n]];
        float[] c = GpuRunner.RunAll(dispatches, buffers)[4];
        Matrices.AssertClose(Reference(false, true, m, n, k, HalfMatrices.Rounded(a), HalfMatrices.Rounded(b), 1f, 0f, new float[m * n]), c, 1e-5, "ToHalf → HalfGemm");
    }

    private static void Check(bool ta, bool tb, int m, int n, int k, float alpha, float beta)
    {
        var shape = HalfGemmDevice.Shape;
        var random = new Random(m * 31 + n * 7 + k);
        float[] a = HalfMatrices.Rounded(Matrices.Random(random, m * k));
        float[] b = HalfMatrices.Rounded(Matrices.Random(random, k * n));
        float[] c = Matrices.Random(random, m * n);
        double[] expected = Reference(ta, tb, m, n, k, a, b, alpha, beta, c);
        float[] packedA = ta ? HalfMatrices.Pack(a, k, m) : HalfMatrices.Pack(a, m, k);
        float[] packedB = tb ? HalfMatrices.Pack(b, n, k) : HalfMatrices.Pack(b, k, n);
        float[] actual = GpuRunner.Run(GpuKernels.HalfGemm(shape, ta, tb, m, n, k, alpha, 0, 1, beta, 2, n), packedA, packedB, c)[2];
        // Products of halves are exact in float32; only the float32 sums' order differs from the reference.
        Matrices.AssertClose(expected, actual, 1e-5, $"half gemm ta={ta} tb={tb} {m}×{n}×{k} α={alpha} β={beta}");
    }

    // op(A) is m×k (stored k×m when ta), op(B) k×n (stored n×k when tb), all dense row-major.
    private static double[] Reference(bool ta, bool tb, int m, int n, int k, float[] a, float[] b, float alpha, float beta, float[] c)
    {
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                }

                expected[i * n + j] = alpha * sum + beta * c[i * n + j];
            }
        }

        return expected;
    }
}
