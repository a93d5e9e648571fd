using Peft.Kernels;
using Peft.Tests.Testing;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Adapters;

public sealed class LowRankProductsTests
{
    [Theory]
    [InlineData(3, 37, 1)]
    [InlineData(5, 16, 4)]
    [InlineData(2, 67, 7)]
    [InlineData(6, 9, 9)]
    [InlineData(70, 19, 5)]     // several row blocks
    public void Products_match_the_reference_gemm(int m, int n, int r)
    {
        var x = Random(m * n, 1);
        var v = Random(r * n, 2);
        var p = Random(m * r, 3);
        const double scale = 0.75;

        // P = X·Vᵀ
        var expected = new double[m * r];
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, m, r, n, 1.0, x, n, v, n, 0.0, expected, r);
        var actual = new double[m * r];
        LowRankProducts.ProjectDown<double>(x, v, actual, m, n, r);
        AssertClose(expected, actual, 1e-13);

        // Y += s·P·V
        var y = Random(m * n, 4);
        var expectedY = (double[])y.Clone();
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, m, n, r, scale, p, r, v, n, 1.0, expectedY, n);
        LowRankProducts.ExpandAdd<double>(p, scale, v, y, m, n, r);
        AssertClose(expectedY, y, 1e-13);

        // G += s·Pᵀ·X
        var g = Random(r * n, 5);
        var expectedG = (double[])g.Clone();
        ReferenceGemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, r, n, m, scale, p, r, x, n, 1.0, expectedG, n);
        LowRankProducts.AccumulateOuter<double>(p, x, scale, g, m, n, r);
        AssertClose(expectedG, g, 1e-13);
    }

    [Fact]
    public void Float_kernel_matches_a_double_reference_to_float_rounding()
    {
        const int batch = 5, inF = 41, outF = 23, r = 6;
        var x = Random(batch * inF, 1);
        var a = Random(r * inF, 2);
        var b = Random(outF * r, 3);
        var dy = Random(batch * outF, 4);
        var kernel = new RuntimeLoRAKernel<float>(r);
        var xa = new float[batch * r];
        var y = new float[batch * outF];
        kernel.Forward(ToFloat(x), ToFloat(a), ToFloat(b), 0.5f, xa, y, batch, inF, outF);

        var delta = new double[outF * inF];
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, outF, inF, r, 0.5, b, r, a, inF, 0.0, delta, inF);
        AssertClose(Dense(x, delta, null, batch, inF, outF), y.Select(v => (double)v).ToArray(), 1e-5);

        var dA = new float[r * inF];
        var dB = new float[outF * r];
        var dX = new float[batch * inF];
        kernel.Backward(ToFloat(x), ToFloat(dy), ToFloat(a), ToFloat(b), xa, 0.5f, new float[batch * r], dA, dB, dX, batch, inF, outF);

        // dX = dY·ΔW
        var expectedDx = new double[batch * inF];
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, inF, outF, 1.0, dy, outF, delta, inF, 0.0, expectedDx, inF);
        AssertClose(expectedDx, dX.Select(v => (double)v).ToArray(), 1e-5);
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();
}
