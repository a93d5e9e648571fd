using System.Numerics;
using Peft.Kernels;
using Peft.Tests.Testing;

namespace Peft.Tests.Kernels;

/// <summary>
/// One random GEMM problem with padded leading dimensions, checked against <see cref="ReferenceGemm"/>
/// evaluated in double precision.
/// </summary>
internal sealed class GemmCase
{
    private const double Sentinel = 12345.0;

    private GemmCase(MatrixTranspose transA, MatrixTranspose transB, int m, int n, int k, int pad, Random random)
    {
        TransA = transA;
        TransB = transB;
        M = m;
        N = n;
        K = k;
        bool ta = transA == MatrixTranspose.Transpose;
        bool tb = transB == MatrixTranspose.Transpose;
        Lda = (ta ? m : k) + random.Next(pad + 1);
        Ldb = (tb ? k : n) + random.Next(pad + 1);
        Ldc = n + random.Next(pad + 1);
        A = RandomValues(random, (((ta ? k : m) - 1) * Lda) + (ta ? m : k));
        B = RandomValues(random, (((tb ? n : k) - 1) * Ldb) + (tb ? k : n));
        C = RandomValues(random, ((m - 1) * Ldc) + n);
        for (int i = 0; i < m; i++)
        {
            for (int j = n; j < Ldc && (i * Ldc) + j < C.Length; j++)
            {
                C[(i * Ldc) + j] = Sentinel;
            }
        }
    }

    public MatrixTranspose TransA { get; }

    public MatrixTranspose TransB { get; }

    public int M { get; }

    public int N { get; }

    public int K { get; }

    public int Lda { get; }

    public int Ldb { get; }

    public int Ldc { get; }

    public double[] A { get; }

    public double[] B { get; }

    public double[] C { get; }

    public static GemmCase Create(MatrixTranspose transA, MatrixTranspose transB, int m, int n, int k, Random random, int pad = 5)
        => new(transA, transB, m, n, k, pad, random);

    /// <summary>
    /// Runs the GEMM in <typeparamref name="T"/> and asserts every element of C is within a rounding bound
    /// of the double-precision reference, and that the padding between rows of C is untouched.
    /// With <paramref name="nanInC"/>, C starts as NaN (beta must be 0 then).
    /// </summary>
    public void Check<T>(double alpha, double beta, GemmIsa isa, int maxThreads, bool nanInC = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[] a = Convert<T>(A);
        T[] b = Convert<T>(B);
        T[] c = Convert<T>(C);
        double[] startC = (double[])C.Clone();
        if (nanInC)
        {
            for (int i = 0; i < M; i++)
            {
                c.AsSpan(i * Ldc, N).Fill(T.NaN);
                startC.AsSpan(i * Ldc, N).Fill(0.0);
            }
        }

        Gemm.Multiply(TransA, TransB, M, N, K, T.CreateChecked(alpha), a, Lda, b, Ldb, T.CreateChecked(beta), c, Ldc, isa, maxThreads);

        // Expected value in double from the same (rounded) inputs, and a bound from |A|·|B|.
        double[] ad = Convert(a);
        double[] bd = Convert(b);
        double[] expected = Convert(Convert<T>(startC));
        ReferenceGemm.Multiply(TransA, TransB, M, N, K, alpha, ad, Lda, bd, Ldb, beta, expected, Ldc);
        double[] bound = new double[expected.Length];
        ReferenceGemm.Multiply(TransA, TransB, M, N, K, Math.Abs(alpha), Abs(ad), Lda, Abs(bd), Ldb, 0.0, bound, Ldc);
        double eps = double.CreateChecked(EpsilonOf<T>());
        double tolerance = 2 * (K + 2) * eps;
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < Ldc; j++)
            {
                int index = (i * Ldc) + j;
                if (index >= c.Length)
                {
                    break;
                }

                double actual = double.CreateChecked(c[index]);
                if (j >= N)
                {
                    Assert.True(actual == Sentinel, $"{Describe(isa, typeof(T))}: padding C[{i},{j}] was overwritten with {actual}.");
                    continue;
                }

                double limit = tolerance * (bound[index] + Math.Abs(beta * double.CreateChecked(T.CreateChecked(startC[index])))) + 1e-30;
                double error = Math.Abs(actual - expected[index]);
                Assert.True(
                    error <= limit,
                    $"{Describe(isa, typeof(T))} alpha={alpha} beta={beta}: C[{i},{j}] = {actual}, expected {expected[index]} (|error| {error:G3} > {limit:G3}).");
            }
        }
    }

    private string Describe(GemmIsa isa, Type type)
        => $"{type.Name} {isa} {TransA}/{TransB} m={M} n={N} k={K} lda={Lda} ldb={Ldb} ldc={Ldc}";

    private static T EpsilonOf<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => T.BitIncrement(T.One) - T.One;

    private static double[] RandomValues(Random random, int length)
    {
        var values = new double[Math.Max(length, 0)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextDouble() * 2) - 1;
        }

        return values;
    }

    private static T[] Convert<T>(double[] values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Array.ConvertAll(values, T.CreateChecked);

    private static double[] Convert<T>(T[] values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Array.ConvertAll(values, double.CreateChecked);

    private static double[] Abs(double[] values) => Array.ConvertAll(values, Math.Abs);
}
