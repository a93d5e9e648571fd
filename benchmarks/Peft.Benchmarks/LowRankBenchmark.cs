using System.Diagnostics;
using System.Globalization;
using Peft;
using Peft.Generated;
using Peft.Kernels;

namespace Peft.Benchmarks;

/// <summary>
/// <c>lowrank</c>: the adapter products of one LoRA layer (forward <c>xa = x·Aᵀ</c>, <c>y += s·xa·Bᵀ</c>; backward
/// <c>dB += s·dYᵀ·xa</c>, <c>g = dY·B</c>, <c>dA += s·gᵀ·x</c>, no input gradient, as <c>step</c>) on each path: the
/// runtime loops (<see cref="LowRankProducts"/>), the generated rank-unrolled loops (ranks this project generates), and the
/// packed GEMM. The paths run interleaved, round by round, so other load on the machine falls on all of them alike.
/// Prints <c>N IN OUT R runtime_ms generated_ms gemm_ms</c> (fastest round's time per call; <c>-</c> where a path has no
/// kernel) — the data behind <see cref="LowRankCrossover"/>.
/// </summary>
internal static class LowRankBenchmark
{
    public const string Help = "adapter products per path (crossover): lowrank --ranks 4,8,16,... --batches 64,256,... [--width 1024] [--rounds 5] [--clock wall|cpu] [--stages]";

    /// <summary>A path's forward and backward on one layer, or null where the path has no kernel for the rank.</summary>
    private delegate void Pass(Layer layer);

    public static int Run(string[] args)
    {
        int[] ranks = [4, 8, 16, 32, 64, 128, 256];
        int[] batches = [64, 256, 1024, 4096];
        int width = 1024, rounds = 5;
        bool cpu = false, stages = false;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--ranks": ranks = Parse(args[i + 1]); break;
                case "--batches": batches = Parse(args[i + 1]); break;
                case "--width": width = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--stages": stages = args[i + 1] == "true"; break;
                case "--clock" when args[i + 1] is "wall" or "cpu": cpu = args[i + 1] == "cpu"; break;
                default:
                    Console.Error.WriteLine("usage: lowrank " + Help["adapter products per path (crossover): lowrank ".Length..]);
                    return 2;
            }
        }

        Console.WriteLine($"# peft.net lowrank width {width} rounds {rounds} threads {Environment.ProcessorCount} clock {(cpu ? "process cpu" : "wall")}" +
            $" crossover r>={LowRankCrossover.GemmRank}");
        Console.WriteLine(stages ? "N IN OUT R " + string.Join(' ', GemmStages.Names) : "N IN OUT R runtime_ms generated_ms gemm_ms");
        foreach (int batch in batches)
        {
            foreach (int rank in ranks)
            {
                var layer = new Layer(batch, width, width, rank);
                if (stages)
                {
                    double[] each = Time(GemmStages.Passes, layer, rounds, cpu);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{batch} {width} {width} {rank} ") + string.Join(' ', each.Select(Format)));
                    continue;
                }

                var runtimeLoops = new RuntimeLoRAKernel<float>(rank, LowRankPath.Loops);
                var gemm = new RuntimeLoRAKernel<float>(rank, LowRankPath.Gemm);
                Pass?[] passes = [l => l.Run(runtimeLoops), GeneratedLoops.For(rank), l => l.Run(gemm)];
                double[] best = Time(passes, layer, rounds, cpu);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{batch} {width} {width} {rank} {Format(best[0])} {Format(best[1])} {Format(best[2])}"));
            }
        }

        return 0;
    }

    /// <summary>
    /// The fastest round's milliseconds per call of each path (a round runs a path for about 20 ms, at least once), by the
    /// wall clock or by the process's CPU time (all threads: with <c>DOTNET_PROCESSOR_COUNT=1</c> the work of one core, which
    /// other load on a shared machine disturbs far less than the wall clock).
    /// </summary>
    private static double[] Time(Pass?[] passes, Layer layer, int rounds, bool cpu)
    {
        var best = new double[passes.Length];
        Array.Fill(best, double.NaN);
        foreach (var pass in passes)
        {
            // Warm-up: tiered compilation promotes a method after 30 calls and a 100 ms delay; timing earlier would
            // time tier-0 code of the paths whose calls take longest.
            var warmUp = Stopwatch.StartNew();
            for (int i = 0; pass is not null && (i < 40 || warmUp.ElapsedMilliseconds < 300); i++)
            {
                pass(layer);
            }
        }

        for (int round = 0; round < rounds; round++)
        {
            for (int p = 0; p < passes.Length; p++)
            {
                if (passes[p] is not { } pass)
                {
                    continue;
                }

                int calls = 0;
                long start = Stopwatch.GetTimestamp();
                double cpuStart = ProcessCpuMilliseconds();
                do
                {
                    pass(layer);
                    calls++;
                }
                while (Stopwatch.GetElapsedTime(start).TotalMilliseconds < 20);

                double ms = (cpu ? ProcessCpuMilliseconds() - cpuStart : Stopwatch.GetElapsedTime(start).TotalMilliseconds) / calls;
                best[p] = double.IsNaN(best[p]) ? ms : Math.Min(best[p], ms);
            }
        }

        return best;
    }

    /// <summary>CPU time of the whole process (clock_gettime(CLOCK_PROCESS_CPUTIME_ID), nanosecond resolution) in milliseconds.</summary>
    private static double ProcessCpuMilliseconds()
    {
        ClockGetTime(2, out var time);
        return time.Seconds * 1e3 + time.Nanoseconds * 1e-6;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static string Format(double ms) => double.IsNaN(ms) ? "-" : ms.ToString("F4", CultureInfo.InvariantCulture);

    private static int[] Parse(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>One layer's operands: x, dY uniform in [−1, 1), A and B small random, the gradients accumulated in place.</summary>
    private sealed class Layer
    {
        public Layer(int batch, int inFeatures, int outFeatures, int rank)
        {
            (Batch, In, Out, Rank) = (batch, inFeatures, outFeatures, rank);
            (X, Dy) = StepLayer.Data(batch, inFeatures, outFeatures);
            var random = new Random(2);
            A = Enumerable.Range(0, rank * inFeatures).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
            B = Enumerable.Range(0, outFeatures * rank).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
            Xa = new float[batch * rank];
            DyB = new float[batch * rank];
            Y = new float[batch * outFeatures];
            AGradient = new float[rank * inFeatures];
            BGradient = new float[outFeatures * rank];
        }

        public int Batch { get; }

        public int In { get; }

        public int Out { get; }

        public int Rank { get; }

        public float[] X { get; }

        public float[] Dy { get; }

        public float[] A { get; }

        public float[] B { get; }

        public float[] Xa { get; }

        public float[] DyB { get; }

        public float[] Y { get; }

        public float[] AGradient { get; }

        public float[] BGradient { get; }

        public float[] BTransposed = [];

        public float[] BGradientTransposed = [];

        public float[] APadded = [];

        public void Run(ILoRAKernel<float> kernel)
        {
            kernel.Forward(X, A, B, 0.5f, Xa, Y, Batch, In, Out);
            kernel.Backward(X, Dy, A, B, Xa, 0.5f, DyB, AGradient, BGradient, Span<float>.Empty, Batch, In, Out);
        }
    }

    /// <summary>The GEMM path's products one by one (<see cref="LowRankGemmPasses{T}"/>), to see where its time goes.</summary>
    private static class GemmStages
    {
        public static readonly string[] Names = ["xa=x·Aᵀ", "y+=s·xa·Bᵀ", "dB+=s·dYᵀ·xa", "g=dY·B", "dA+=s·gᵀ·x"];

        public static readonly Pass?[] Passes =
        [
            l => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, l.Batch, l.Rank, l.In, 1f, l.X, l.In, l.A, l.In, 0f, l.Xa, l.Rank),
            l => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, l.Batch, l.Out, l.Rank, 0.5f, l.Xa, l.Rank, l.B, l.Rank, 1f, l.Y, l.Out),
            l => Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, l.Out, l.Rank, l.Batch, 0.5f, l.Dy, l.Out, l.Xa, l.Rank, 1f, l.BGradient, l.Rank),
            l => Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, l.Batch, l.Rank, l.Out, 1f, l.Dy, l.Out, l.B, l.Rank, 0f, l.DyB, l.Rank),
            l => Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, l.Rank, l.In, l.Batch, 0.5f, l.DyB, l.Rank, l.X, l.In, 1f, l.AGradient, l.In),
        ];
    }

    /// <summary>The generated loops of the ranks this project's models name (Generated/GeneratedStepLayers.cs), run as the generated kernels run them.</summary>
    private static class GeneratedLoops
    {
        public static Pass? For(int rank) => rank switch
        {
            4 => Run<Rank4SingleLoops>,
            8 => Run<Rank8SingleLoops>,
            12 => Run<Rank12SingleLoops>,
            _ => null,
        };

        private static void Run<TLoops>(Layer l)
            where TLoops : struct, ILowRankLoops<float>
        {
            LowRankPasses<float, TLoops>.ForwardLoops("lowrank", l.X, l.A, l.B, 0.5f, l.Xa, l.Y, ref l.BTransposed, ref l.APadded, l.Batch, l.In, l.Out);
            LowRankPasses<float, TLoops>.BackwardLoops("lowrank", l.X, l.Dy, l.A, l.B, l.Xa, 0.5f, l.DyB, l.AGradient, l.BGradient, Span<float>.Empty,
                ref l.BTransposed, ref l.BGradientTransposed, ref l.APadded, l.Batch, l.In, l.Out);
        }
    }
}
