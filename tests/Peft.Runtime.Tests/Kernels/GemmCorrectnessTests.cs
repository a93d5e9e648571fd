using Peft.Kernels;

namespace Peft.Tests.Kernels;

/// <summary>The packed GEMM against the double-precision reference, on every kernel level this machine runs.</summary>
public sealed class GemmCorrectnessTests
{
    private static readonly MatrixTranspose[] Transposes = [MatrixTranspose.None, MatrixTranspose.Transpose];

    // (alpha, beta): plain product, accumulate, general scaling, negative alpha with beta = 0.
    private static readonly (double Alpha, double Beta)[] Scalings = [(1, 0), (1, 1), (0.75, -1.5), (-2, 0)];

    // Kernel levels as ints: GemmIsa is internal and theory parameters of public tests must be public.
    public static TheoryData<int> SupportedIsas()
    {
        var data = new TheoryData<int>();
        foreach (GemmIsa isa in Enum.GetValues<GemmIsa>())
        {
            if (GemmIsaDetection.IsSupported(isa))
            {
                data.Add((int)isa);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void Small_and_odd_shapes_match_the_reference_in_every_variant(int level)
    {
        var isa = (GemmIsa)level;
        var random = new Random(17 + (int)isa);

        // 1, primes, and sizes just off the vector widths (8, 16, 32) and the register tiles (4, 6, 8).
        List<(int M, int N, int K)> shapes = [(1, 1, 1), (1, 33, 7), (1, 300, 129), (29, 1, 31), (6, 32, 1), (9, 16, 2), (7, 17, 13), (13, 31, 64), (37, 65, 5)];
        for (int s = 0; s < 4; s++)
        {
            shapes.Add((random.Next(1, 258), random.Next(1, 258), random.Next(1, 258)));
        }

        int scaling = 0;
        foreach ((int m, int n, int k) in shapes)
        {
            foreach (MatrixTranspose ta in Transposes)
            {
                foreach (MatrixTranspose tb in Transposes)
                {
                    var gemm = GemmCase.Create(ta, tb, m, n, k, random);
                    (double alpha, double beta) = Scalings[scaling++ % Scalings.Length];
                    gemm.Check<float>(alpha, beta, isa, maxThreads: 2);
                    gemm.Check<double>(alpha, beta, isa, maxThreads: 2);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void Beta_zero_ignores_NaN_in_C(int level)
    {
        var isa = (GemmIsa)level;
        var random = new Random(5);
        foreach ((int m, int n, int k) in new[] { (1, 1, 1), (7, 35, 19), (70, 90, 130) })
        {
            var gemm = GemmCase.Create(MatrixTranspose.None, MatrixTranspose.Transpose, m, n, k, random);
            gemm.Check<float>(1.5, 0, isa, maxThreads: 2, nanInC: true);
            gemm.Check<double>(-1, 0, isa, maxThreads: 2, nanInC: true);
        }
    }

    [Theory]
    [InlineData(MatrixTranspose.None, MatrixTranspose.None)]
    [InlineData(MatrixTranspose.None, MatrixTranspose.Transpose)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.None)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.Transpose)]
    public void Large_shapes_exercise_blocking_and_threads(MatrixTranspose ta, MatrixTranspose tb)
    {
        // 300×520×700 spans several Kc and Mc blocks and many edge tiles; it runs on the worker pool.
        var random = new Random(3);
        var gemm = GemmCase.Create(ta, tb, 300, 520, 700, random, pad: 3);
        gemm.Check<float>(1, 0.5, GemmIsaDetection.Best, maxThreads: 2);
        gemm.Check<double>(-0.5, 0, GemmIsaDetection.Best, maxThreads: 2);
    }

    [Theory]
    [InlineData(MatrixTranspose.None, MatrixTranspose.None)]
    [InlineData(MatrixTranspose.None, MatrixTranspose.Transpose)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.None)]
    [InlineData(MatrixTranspose.Transpose, MatrixTranspose.Transpose)]
    public void Few_row_blocks_share_one_packed_A_and_match_one_thread_bitwise(MatrixTranspose ta, MatrixTranspose tb)
    {
        // One or two Mc blocks (partial ones) and a deep k: A is packed once and shared by the threads; the last
        // shape is narrow enough (four Nr panels) to run on one thread.
        var random = new Random(17);
        foreach ((int m, int n, int k) in new[] { (150, 300, 1000), (33, 290, 2100), (100, 100, 3000) })
        {
            var gemm = GemmCase.Create(ta, tb, m, n, k, random, pad: 2);
            gemm.Check<float>(1, 0.5, GemmIsaDetection.Best, maxThreads: 2);
            gemm.Check<double>(-1, 0, GemmIsaDetection.Best, maxThreads: 2);

            float[] a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f).ToArray();
            float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
            int lda = ta == MatrixTranspose.None ? k : m;
            int ldb = tb == MatrixTranspose.None ? n : k;
            var one = new float[m * n];
            var all = new float[m * n];
            Gemm.Multiply(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, one, n, GemmIsaDetection.Best, maxThreads: 1);
            Gemm.Multiply(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, all, n, GemmIsaDetection.Best, maxThreads: 2);
            Assert.Equal(one, all);
        }
    }

    [Theory]
    [MemberData(nameof(SupportedIsas))]
    public void Blocked_shapes_match_on_one_thread_and_on_all(int level)
    {
        var isa = (GemmIsa)level;
        // Deeper than Kc and wider than one column block for the narrow kernels; m too small for many Mc blocks.
        var random = new Random(11);
        var gemm = GemmCase.Create(MatrixTranspose.Transpose, MatrixTranspose.None, 45, 611, 530, random);
        gemm.Check<float>(1, 1, isa, maxThreads: 1);
        gemm.Check<float>(1, 1, isa, maxThreads: 2);
        gemm.Check<double>(2, 0, isa, maxThreads: 2);
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(3, 0.0)]
    [InlineData(3, 2.0)]
    public void Zero_alpha_or_zero_k_scales_C_by_beta(int k, double beta)
    {
        var c = new double[] { 1, double.NaN, 3, 4 };
        if (beta != 0)
        {
            c[1] = 2;
        }

        double alpha = k == 0 ? 1 : 0;
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, 2, 2, k, alpha, new double[2 * k], new double[2 * k], beta, c);
        Assert.Equal(beta == 0 ? [0, 0, 0, 0] : new double[] { 2, 4, 6, 8 }, c);
    }

    [Fact]
    public void Deep_and_wide_problems_split_into_several_column_blocks()
    {
        // k·n exceeds the shared packed-B budget (4 MiB), so the threaded path walks several column blocks;
        // one row block means the columns are split into items too.
        var random = new Random(13);
        var gemm = GemmCase.Create(MatrixTranspose.None, MatrixTranspose.Transpose, 21, 1100, 1000, random, pad: 2);
        gemm.Check<float>(1, 0.25, GemmIsaDetection.Best, maxThreads: 2);
        gemm.Check<double>(1, 0, GemmIsaDetection.Best, maxThreads: 2);
    }

    [Fact]
    public void Back_to_back_and_concurrent_calls_give_identical_results()
    {
        // Many short threaded calls in a row (workers may wake late) and from two callers at once (one
        // of them finds the pool busy and runs alone) must all produce the same C.
        const int m = 100, n = 120, k = 110;
        var random = new Random(21);
        float[] a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var expected = new float[m * n];
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, m, n, k, 1f, a, k, b, n, 0f, expected, n, GemmIsaDetection.Best, 1);

        void Repeat()
        {
            var c = new float[m * n];
            for (int r = 0; r < 40; r++)
            {
                c.AsSpan().Fill(float.NaN);
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, m, n, k, 1f, a, k, b, n, 0f, c, n, GemmIsaDetection.Best, 2);
                Assert.Equal(expected, c);
            }
        }

        Parallel.Invoke(Repeat, Repeat);
    }

    [Fact]
    public void Public_overloads_use_the_fast_path_and_agree_with_the_reference()
    {
        float[] a = [1, 2, 3, 4, 5, 6];          // 2×3
        float[] b = [7, 8, 9, 10, 11, 12];       // 3×2
        var c = new float[4];
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, 2, 2, 3, 1f, a, b, 0f, c);
        Assert.Equal([58f, 64f, 139f, 154f], c);
    }
}
