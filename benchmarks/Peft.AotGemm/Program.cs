using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Peft.Kernels;

// aotgemm [sizes, default 256,512,1024] [runs, default 7]: square float GEMM GFLOPS (median of the runs after
// a warm-up of at least 2 s) through the public Gemm.Multiply, with the vector widths this build accelerates. Run it under
// the JIT (dotnet run -c Release) and published with -p:PublishAot=true to compare.
int[] sizes = args.Length > 0 ? args[0].Split(',').Select(int.Parse).ToArray() : [256, 512, 1024];
int runs = args.Length > 1 ? int.Parse(args[1]) : 7;
Console.WriteLine(
    $"# {(RuntimeFeature.IsDynamicCodeCompiled ? "JIT" : "NativeAOT")}: Vector256 accelerated {Vector256.IsHardwareAccelerated}, " +
    $"Vector512 accelerated {Vector512.IsHardwareAccelerated}, {Environment.ProcessorCount} cores");
var random = new Random(1);
foreach (int n in sizes)
{
    var a = new float[n * n];
    var b = new float[n * n];
    var c = new float[n * n];
    for (int i = 0; i < a.Length; i++)
    {
        a[i] = (float)random.NextDouble();
        b[i] = (float)random.NextDouble();
    }

    // Warm-up: at least 2 s and 40 calls, so that the JIT's tiered compilation has reached its final code.
    long warmStart = Stopwatch.GetTimestamp();
    for (int w = 0; w < 40 || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 2; w++)
    {
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, n, n, n, 1f, a, n, b, n, 0f, c, n);
    }

    var seconds = new double[runs];
    for (int r = 0; r < runs; r++)
    {
        long start = Stopwatch.GetTimestamp();
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, n, n, n, 1f, a, n, b, n, 0f, c, n);
        seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    Array.Sort(seconds);
    Console.WriteLine($"{n} GFLOPS {2.0 * n * n * n / seconds[runs / 2] / 1e9:F1}");
}
