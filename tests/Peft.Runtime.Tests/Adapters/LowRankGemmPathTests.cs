using Peft.Generated;
using Peft.Kernels;
using Peft.Tests.Testing;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Adapters;

/// <summary>
/// The LoRA kernel's two paths (<see cref="LowRankPath.Loops"/>, <see cref="LowRankPath.Gemm"/>) across ranks on both sides of
/// the crossover: against a double reference, and against each other in float within the bound of their summation orders.
/// </summary>
public sealed class LowRankGemmPathTests
{
    /// <summary>2⁻²⁴: the unit roundoff of float.</summary>
    private const double FloatRoundoff = 1.0 / (1 << 24);

    [Theory]
    [InlineData(1, 9, 41, 23)]
    [InlineData(4, 9, 41, 23)]
    [InlineData(16, 70, 33, 65)]      // several GEMM row blocks, edge tiles
    [InlineData(24, 5, 130, 17)]
    [InlineData(37, 13, 64, 96)]
    [InlineData(64, 33, 100, 70)]
    public void Both_paths_match_the_double_reference(int rank, int batch, int inF, int outF)
    {
        var operands = new Operands<double>(rank, batch, inF, outF, value => value);
        var expected = Reference(operands);
        foreach (var path in new[] { LowRankPath.Loops, LowRankPath.Gemm })
        {
            var actual = operands.Run(new RuntimeLoRAKernel<double>(rank, path));
            for (int i = 0; i < expected.Length; i++)
            {
                AssertClose(expected[i], actual[i], 1e-12);
            }
        }
    }

    /// <summary>
    /// Float: the paths add the same terms in different orders (the loops by vectors of the long side, the GEMM by
    /// Kc blocks of packed panels). Each result of a k-term sum is within γ_k·(|A|·|B|) of the exact value, γ_k ≈ k·u
    /// (u = 2⁻²⁴), so the two are within 2·γ_k of each other, k counting every sum along the chain (xa feeds y and dB).
    /// </summary>
    [Theory]
    [InlineData(8, 67, 300, 129)]
    [InlineData(16, 256, 96, 200)]
    [InlineData(24, 31, 257, 77)]
    [InlineData(130, 40, 150, 90)]
    public void Float_paths_agree_within_the_bound_of_their_summation_orders(int rank, int batch, int inF, int outF) =>
        AssertWithinSummationBound(rank, batch, inF, outF, LowRankPath.Loops, LowRankPath.Gemm);

    /// <summary>
    /// Float kernels of the ranks the runtime ships generated loops for run those (<see cref="ShippedLoRALoops"/>) on the
    /// automatic path: against the generic loops, within the same bound (batch 203 and these widths engage the parallel regions).
    /// </summary>
    [Theory]
    [InlineData(1, 203, 300, 129)]
    [InlineData(2, 17, 1030, 65)]
    [InlineData(4, 203, 257, 1024)]
    [InlineData(8, 203, 600, 515)]
    public void Shipped_loops_agree_with_the_generic_loops(int rank, int batch, int inF, int outF)
    {
        AssertWithinSummationBound(rank, batch, inF, outF, LowRankPath.Auto, LowRankPath.Loops);

        // The automatic path is the shipped passes, bit for bit.
        var operands = new Operands<float>(rank, batch, inF, outF, value => (float)value);
        Assert.Equal(operands.Run(ShippedLoRALoops.For("shipped", rank)!), operands.Run(new RuntimeLoRAKernel<float>(rank)));
    }

    [Fact]
    public void Shipped_loops_run_exactly_where_shipped()
    {
        Assert.All(ShippedLoRALoops.Ranks, rank => Assert.Equal(rank, ShippedLoRALoops.For("shipped", rank)!.Rank));
        Assert.Null(ShippedLoRALoops.For("shipped", 3));
        Assert.Null(ShippedLoRALoops.For("shipped", 16));
    }

    private static void AssertWithinSummationBound(int rank, int batch, int inF, int outF, LowRankPath first, LowRankPath second)
    {
        var operands = new Operands<float>(rank, batch, inF, outF, value => (float)value);
        var one = operands.Run(new RuntimeLoRAKernel<float>(rank, first));
        var other = operands.Run(new RuntimeLoRAKernel<float>(rank, second));
        var magnitude = Reference(new Operands<double>(rank, batch, inF, outF, Math.Abs));
        int[] depth = [inF, inF + rank, batch + inF, outF, outF + batch, outF + rank];
        string[] names = ["xa", "y", "dB", "g", "dA", "dX"];
        for (int i = 0; i < names.Length; i++)
        {
            for (int j = 0; j < one[i].Length; j++)
            {
                double bound = 2 * (depth[i] + 2) * FloatRoundoff * magnitude[i][j];
                Assert.True(Math.Abs(one[i][j] - other[i][j]) <= bound,
                    $"r {rank} {names[i]}[{j}]: {first} {one[i][j]}, {second} {other[i][j]}, bound {bound}");
            }
        }
    }

    [Fact]
    public void Crossover_is_monotonic_in_the_rank_and_the_generator_unrolls_only_below_it()
    {
        for (int rank = 1; rank < 300; rank++)
        {
            Assert.False(LowRankCrossover.UseGemm(rank) && !LowRankCrossover.UseGemm(rank + 1), $"GEMM at rank {rank}, loops at {rank + 1}");
        }

        Assert.False(LowRankCrossover.UseGemm(LowRankCrossover.GeneratedLoopsMaxRank));
        Assert.True(LowRankCrossover.UseGemm(LowRankCrossover.GeneratedLoopsMaxRank + 1));
    }

    [Fact]
    public void Gemm_path_names_the_kernel_and_the_span_in_errors()
    {
        var operands = new Operands<float>(32, 4, 10, 12, value => (float)value);
        var kernel = new RuntimeLoRAKernel<float>(32, LowRankPath.Gemm);
        var error = Assert.Throws<ArgumentException>(() =>
            kernel.Forward(operands.X, operands.A, operands.B, 0.5f, new float[3], new float[4 * 12], 4, 10, 12));
        Assert.Contains("LoRA kernel (rank 32)", error.Message);
        Assert.Contains("'xa'", error.Message);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(8)]
    public void Steady_state_gemm_and_shipped_loop_paths_allocate_nothing_on_the_calling_thread(int rank)
    {
        var operands = new Operands<float>(rank, 48, 96, 80, value => (float)value);
        var kernel = new RuntimeLoRAKernel<float>(rank);
        operands.Run(kernel);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            operands.Step(kernel);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Expected xa, y, dB, g, dA, dX in double, by the reference GEMM.</summary>
    private static double[][] Reference(Operands<double> o)
    {
        int r = o.Rank;
        var xa = new double[o.Batch * r];
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, o.Batch, r, o.In, 1.0, o.X, o.In, o.A, o.In, 0.0, xa, r);
        var y = (double[])o.Y0.Clone();
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, o.Batch, o.Out, r, Math.Abs(o.Scale), xa, r, o.B, r, 1.0, y, o.Out);
        var dB = (double[])o.DB0.Clone();
        ReferenceGemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, o.Out, r, o.Batch, Math.Abs(o.Scale), o.Dy, o.Out, xa, r, 1.0, dB, r);
        var g = new double[o.Batch * r];
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, o.Batch, r, o.Out, 1.0, o.Dy, o.Out, o.B, r, 0.0, g, r);
        var dA = (double[])o.DA0.Clone();
        ReferenceGemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, r, o.In, o.Batch, Math.Abs(o.Scale), g, r, o.X, o.In, 1.0, dA, o.In);
        var dX = (double[])o.DX0.Clone();
        ReferenceGemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, o.Batch, o.In, r, Math.Abs(o.Scale), g, r, o.A, o.In, 1.0, dX, o.In);
        return [xa, y, dB, g, dA, dX];
    }

    /// <summary>
    /// Random operands (scale 0.75) mapped to <typeparamref name="T"/> by <paramref name="map"/> (Math.Abs gives the
    /// magnitudes the error bound is made of); the gradients start non-zero, so the accumulation is checked too.
    /// </summary>
    private sealed class Operands<T>
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        public Operands(int rank, int batch, int inF, int outF, Func<double, T> map)
        {
            (Rank, Batch, In, Out) = (rank, batch, inF, outF);
            T[] Make(int length, int seed) => Random(length, seed).Select(map).ToArray();
            X = Make(batch * inF, 1);
            A = Make(rank * inF, 2);
            B = Make(outF * rank, 3);
            Dy = Make(batch * outF, 4);
            Y0 = Make(batch * outF, 5);
            DA0 = Make(rank * inF, 6);
            DB0 = Make(outF * rank, 7);
            DX0 = Make(batch * inF, 8);
            Scale = map(0.75);
            (_xa, _y, _dyB, _dA, _dB, _dX) = (new T[batch * rank], new T[batch * outF], new T[batch * rank], new T[rank * inF], new T[outF * rank], new T[batch * inF]);
        }

        private readonly T[] _xa, _y, _dyB, _dA, _dB, _dX;

        public int Rank { get; }

        public int Batch { get; }

        public int In { get; }

        public int Out { get; }

        public T Scale { get; }

        public T[] X { get; }

        public T[] A { get; }

        public T[] B { get; }

        public T[] Dy { get; }

        public T[] Y0 { get; }

        public T[] DA0 { get; }

        public T[] DB0 { get; }

        public T[] DX0 { get; }

        /// <summary>Forward and backward from the initial y and gradients; returns xa, y, dB, g, dA, dX as doubles.</summary>
        public double[][] Run(ILoRAKernel<T> kernel)
        {
            Y0.CopyTo(_y, 0);
            DA0.CopyTo(_dA, 0);
            DB0.CopyTo(_dB, 0);
            DX0.CopyTo(_dX, 0);
            Step(kernel);
            return [.. new[] { _xa, _y, _dB, _dyB, _dA, _dX }.Select(values => values.Select(double.CreateChecked).ToArray())];
        }

        /// <summary>One forward and backward on the kernel's buffers (no allocation).</summary>
        public void Step(ILoRAKernel<T> kernel)
        {
            kernel.Forward(X, A, B, Scale, _xa, _y, Batch, In, Out);
            kernel.Backward(X, Dy, A, B, _xa, Scale, _dyB, _dA, _dB, _dX, Batch, In, Out);
        }
    }
}
