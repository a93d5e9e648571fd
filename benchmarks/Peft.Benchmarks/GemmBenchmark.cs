using System.Diagnostics;
using Peft.Kernels;

namespace Peft.Benchmarks;

/// <summary>
/// <c>gemm [--sizes 256,512,1024 | --shapes 4096x128x128,128x128x4096] [--runs 9] [--threads N] [--isa Vector512|Vector256|Scalar] [--ops NN|NT|TN|TT]</c>:
/// square (or M×N×K) float GEMM <c>C = op(A)·op(B)</c> (default NN), one line <c>M N K GFLOPS</c> per size (median of the runs after
/// warm-up), then <c>peak GFLOPS x</c> from an FMA throughput loop on all cores in the same run.
/// </summary>
internal static class GemmBenchmark
{
    public const string Help = "float GEMM GFLOPS per size and the FMA peak: gemm --sizes 256,512,1024 | --shapes MxNxK,... [--runs 9] [--threads N] [--isa L] [--ops NT]";

    public static int Run(string[] args)
    {
        (int M, int N, int K)[] shapes = [(256, 256, 256), (512, 512, 512), (1024, 1024, 1024)];
        int runs = 9;
        int threads = KernelWorkerPool.MaxThreads;
        GemmIsa isa = GemmIsaDetection.Best;
        string ops = "NN";
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--sizes": shapes = args[i + 1].Split(',').Select(int.Parse).Select(n => (n, n, n)).ToArray(); break;
                case "--shapes": shapes = args[i + 1].Split(',').Select(ParseShape).ToArray(); break;
                case "--runs": runs = int.Parse(args[i + 1]); break;
                case "--threads": threads = int.Parse(args[i + 1]); break;
                case "--isa": isa = Enum.Parse<GemmIsa>(args[i + 1]); break;
                case "--ops": ops = args[i + 1]; break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; {Help}");
                    return 2;
            }
        }

        if (ops.Length != 2 || ops.Any(o => o is not ('N' or 'T')))
        {
            Console.Error.WriteLine($"--ops takes NN, NT, TN or TT, got {ops}");
            return 2;
        }

        MatrixTranspose transA = ops[0] == 'T' ? MatrixTranspose.Transpose : MatrixTranspose.None;
        MatrixTranspose transB = ops[1] == 'T' ? MatrixTranspose.Transpose : MatrixTranspose.None;
        Console.WriteLine($"# isa {isa}, threads {threads}, ops {ops}, {Environment.ProcessorCount} cores");
        foreach (var (m, n, k) in shapes)
        {
            (double median, double best, double cpu) = Seconds(m, n, k, runs, isa, threads, transA, transB);
            double flops = 2.0 * m * n * k;
            Console.WriteLine($"{m} {n} {k} {flops / median / 1e9:F1}");
            Console.WriteLine(
                $"# {m}x{n}x{k} best run {flops / best / 1e9:F1} GFLOPS; by process CPU time {flops / cpu / 1e9:F1} GFLOPS per busy core");
        }

        Console.WriteLine($"peak GFLOPS {FmaPeak.Measure(Environment.ProcessorCount):F1}");
        if (threads == 1)
        {
            Console.WriteLine($"# one-core peak GFLOPS {FmaPeak.Measure(1):F1}");
        }

        return 0;
    }

    private static (int M, int N, int K) ParseShape(string text)
    {
        int[] parts = text.Split('x').Select(int.Parse).ToArray();
        return parts.Length == 3 ? (parts[0], parts[1], parts[2]) : throw new FormatException($"--shapes takes MxNxK, got {text}");
    }

    private static (double Median, double Best, double CpuSeconds) Seconds(
        int m, int n, int k, int runs, GemmIsa isa, int threads, MatrixTranspose transA, MatrixTranspose transB)
    {
        var random = new Random(42);
        float[] a = Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var c = new float[m * n];
        int lda = transA == MatrixTranspose.None ? k : m;
        int ldb = transB == MatrixTranspose.None ? n : k;
        void Multiply() => Gemm.Multiply(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n, isa, threads);

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
        TimeSpan cpuBegin = Environment.CpuUsage.TotalTime;
        for (int r = 0; r < runs; r++)
        {
            long begin = Stopwatch.GetTimestamp();
            for (int i = 0; i < repeat; i++)
            {
                Multiply();
            }

            samples[r] = Stopwatch.GetElapsedTime(begin).TotalSeconds / repeat;
        }

        // CPU time (all threads, spinning included) is less disturbed by other load on a shared machine.
        double cpu = (Environment.CpuUsage.TotalTime - cpuBegin).TotalSeconds / ((double)runs * repeat);
        Array.Sort(samples);
        return (samples[runs / 2], samples[0], cpu);
    }
}
