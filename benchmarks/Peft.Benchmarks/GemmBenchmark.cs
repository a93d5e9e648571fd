using System.Diagnostics;
using Peft.Kernels;

namespace Peft.Benchmarks;

/// <summary>
/// <c>gemm [--sizes 256,512,1024] [--runs 9] [--threads N] [--isa Vector512|Vector256|Scalar]</c>:
/// square float GEMM <c>C = A·B</c>, one line <c>M N K GFLOPS</c> per size (median of the runs after
/// warm-up), then <c>peak GFLOPS x</c> from an FMA throughput loop on all cores in the same run.
/// </summary>
internal static class GemmBenchmark
{
    public const string Help = "square float GEMM GFLOPS per size and the FMA peak: gemm --sizes 256,512,1024 [--runs 9] [--threads N] [--isa L]";

    public static int Run(string[] args)
    {
        int[] sizes = [256, 512, 1024];
        int runs = 9;
        int threads = GemmWorkerPool.MaxThreads;
        GemmIsa isa = GemmIsaDetection.Best;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--sizes": sizes = args[i + 1].Split(',').Select(int.Parse).ToArray(); break;
                case "--runs": runs = int.Parse(args[i + 1]); break;
                case "--threads": threads = int.Parse(args[i + 1]); break;
                case "--isa": isa = Enum.Parse<GemmIsa>(args[i + 1]); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; {Help}");
                    return 2;
            }
        }

        Console.WriteLine($"# isa {isa}, threads {threads}, {Environment.ProcessorCount} cores");
        foreach (int size in sizes)
        {
            double seconds = MedianSeconds(size, runs, isa, threads);
            Console.WriteLine($"{size} {size} {size} {2.0 * size * size * size / seconds / 1e9:F1}");
        }

        Console.WriteLine($"peak GFLOPS {FmaPeak.Measure(Environment.ProcessorCount):F1}");
        return 0;
    }

    private static double MedianSeconds(int n, int runs, GemmIsa isa, int threads)
    {
        var random = new Random(42);
        float[] a = Enumerable.Range(0, n * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, n * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var c = new float[n * n];
        void Multiply() => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, n, n, n, 1f, a, n, b, n, 0f, c, n, isa, threads);

        // Warm-up until tiered JIT has settled (at least 0.3 s and 3 calls).
        long warm = Stopwatch.GetTimestamp();
        for (int i = 0; i < 3 || Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.3; i++)
        {
            Multiply();
        }

        // Each sample repeats the call enough to last about 20 ms.
        long probe = Stopwatch.GetTimestamp();
        Multiply();
        int repeat = Math.Max(1, (int)(0.02 / Math.Max(1e-6, Stopwatch.GetElapsedTime(probe).TotalSeconds)));
        var samples = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long begin = Stopwatch.GetTimestamp();
            for (int i = 0; i < repeat; i++)
            {
                Multiply();
            }

            samples[r] = Stopwatch.GetElapsedTime(begin).TotalSeconds / repeat;
        }

        Array.Sort(samples);
        return samples[runs / 2];
    }
}
