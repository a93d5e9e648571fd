using Peft.Kernels;

namespace Peft.Tests.Kernels;

/// <summary>
/// Deep, narrow products split k into chunks fixed by the shape and sum the partials in chunk order: correct in every
/// variant, and bit-identical on one thread, on every thread, and with the worker pool held (each chunk then runs in turn).
/// </summary>
public sealed class GemmDepthSplitTests
{
    public static TheoryData<MatrixTranspose, MatrixTranspose> Variants() => new()
    {
        { MatrixTranspose.None, MatrixTranspose.None },
        { MatrixTranspose.None, MatrixTranspose.Transpose },
        { MatrixTranspose.Transpose, MatrixTranspose.None },
        { MatrixTranspose.Transpose, MatrixTranspose.Transpose },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Deep_narrow_products_match_the_reference(MatrixTranspose ta, MatrixTranspose tb)
    {
        var random = new Random(5);
        foreach ((int m, int n, int k) in Shapes)
        {
            Assert.True(IsDepthSplit(m, n, k), $"{m}×{n}×{k} is not split");
            var gemm = GemmCase.Create(ta, tb, m, n, k, random, pad: 3);
            gemm.Check<float>(1.5, 0.5, GemmIsaDetection.Best, maxThreads: 2);
            gemm.Check<double>(-1, 0, GemmIsaDetection.Best, maxThreads: 2);
            gemm.Check<float>(0.75, 1, GemmIsaDetection.Best, maxThreads: 1);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Results_do_not_depend_on_the_threads_or_the_pool(MatrixTranspose ta, MatrixTranspose tb)
    {
        var random = new Random(9);
        foreach ((int m, int n, int k) in Shapes)
        {
            float[] a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f).ToArray();
            float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
            float[] c = Enumerable.Range(0, m * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
            int lda = ta == MatrixTranspose.None ? k : m;
            int ldb = tb == MatrixTranspose.None ? n : k;
            float[] Run(int threads, bool holdPool)
            {
                var result = (float[])c.Clone();
                bool held = holdPool && KernelWorkerPool.TryAcquire();
                try
                {
                    Gemm.Multiply(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, result, n, GemmIsaDetection.Best, threads);
                }
                finally
                {
                    if (held)
                    {
                        KernelWorkerPool.Release();
                    }
                }

                return result;
            }

            float[] one = Run(1, holdPool: false);
            Assert.Equal(one, Run(KernelWorkerPool.MaxThreads, holdPool: false));
            Assert.Equal(one, Run(2, holdPool: false));
            Assert.Equal(one, Run(KernelWorkerPool.MaxThreads, holdPool: true));
        }
    }

    /// <summary>Few rows or columns of C, k many times longer (partial chunks and tiles), each above the parallel threshold (96³).</summary>
    private static readonly (int M, int N, int K)[] Shapes = [(24, 40, 5000), (7, 130, 4103), (130, 9, 2500), (2, 60, 8000), (96, 96, 8192)];

    private static bool IsDepthSplit(int m, int n, int k) => GemmIsaDetection.Best switch
    {
        GemmIsa.Vector512 => GemmDepthSplit<float, MicroKernel512<float>>.Applies(new GemmOperands<float> { M = m, N = n, K = k }),
        GemmIsa.Vector256 => GemmDepthSplit<float, MicroKernel256<float>>.Applies(new GemmOperands<float> { M = m, N = n, K = k }),
        _ => GemmDepthSplit<float, MicroKernelScalar<float>>.Applies(new GemmOperands<float> { M = m, N = n, K = k }),
    };
}
