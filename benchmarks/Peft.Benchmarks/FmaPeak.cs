using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Peft.Benchmarks;

/// <summary>
/// Measures the machine's float FMA throughput: every core runs a loop of Vector512 (or Vector256)
/// fused multiply-adds on 12 independent accumulators, enough to cover the FMA latency on two pipes.
/// </summary>
internal static class FmaPeak
{
    private const int Accumulators = 12;

    /// <summary>Best of <paramref name="repeats"/> runs, in GFLOPS (one FMA = 2 flops per lane), on <paramref name="threads"/> threads.</summary>
    public static double Measure(int threads, int repeats = 5, long iterations = 20_000_000)
    {
        double best = 0;
        for (int r = 0; r < repeats; r++)
        {
            using var start = new Barrier(threads + 1);
            var workers = new Thread[threads];
            var sink = new float[threads];
            for (int t = 0; t < threads; t++)
            {
                int index = t;
                workers[t] = new Thread(() =>
                {
                    start.SignalAndWait();
                    sink[index] = Loop(iterations);
                });
                workers[t].Start();
            }

            start.SignalAndWait();
            long begin = Stopwatch.GetTimestamp();
            foreach (Thread worker in workers)
            {
                worker.Join();
            }

            double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
            double flops = 2.0 * Accumulators * Lanes * iterations * threads;
            best = Math.Max(best, flops / seconds / 1e9);
        }

        return best;
    }

    private static int Lanes => Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop(long iterations)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> x = Vector512.Create(0.999999f), y = Vector512.Create(1e-7f);
            Vector512<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, x, y); c1 = Vector512.FusedMultiplyAdd(c1, x, y);
                c2 = Vector512.FusedMultiplyAdd(c2, x, y); c3 = Vector512.FusedMultiplyAdd(c3, x, y);
                c4 = Vector512.FusedMultiplyAdd(c4, x, y); c5 = Vector512.FusedMultiplyAdd(c5, x, y);
                c6 = Vector512.FusedMultiplyAdd(c6, x, y); c7 = Vector512.FusedMultiplyAdd(c7, x, y);
                c8 = Vector512.FusedMultiplyAdd(c8, x, y); c9 = Vector512.FusedMultiplyAdd(c9, x, y);
                c10 = Vector512.FusedMultiplyAdd(c10, x, y); c11 = Vector512.FusedMultiplyAdd(c11, x, y);
            }

            return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
        else
        {
            Vector256<float> x = Vector256.Create(0.999999f), y = Vector256.Create(1e-7f);
            Vector256<float> c0 = x, c1 = x, c2 = x, c3 = x, c4 = x, c5 = x, c6 = x, c7 = x, c8 = x, c9 = x, c10 = x, c11 = x;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, x, y); c1 = Vector256.FusedMultiplyAdd(c1, x, y);
                c2 = Vector256.FusedMultiplyAdd(c2, x, y); c3 = Vector256.FusedMultiplyAdd(c3, x, y);
                c4 = Vector256.FusedMultiplyAdd(c4, x, y); c5 = Vector256.FusedMultiplyAdd(c5, x, y);
                c6 = Vector256.FusedMultiplyAdd(c6, x, y); c7 = Vector256.FusedMultiplyAdd(c7, x, y);
                c8 = Vector256.FusedMultiplyAdd(c8, x, y); c9 = Vector256.FusedMultiplyAdd(c9, x, y);
                c10 = Vector256.FusedMultiplyAdd(c10, x, y); c11 = Vector256.FusedMultiplyAdd(c11, x, y);
            }

            return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        }
    }
}
