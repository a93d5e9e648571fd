using System.Diagnostics;
using System.Globalization;
using Peft;

namespace Peft.Benchmarks;

/// <summary>
/// <c>qlora</c>: one LoRA training step (forward, backward with the input gradient a deeper model needs,
/// AdamW) on a float32 base against the same step on an NF4 base (QLoRA, with and without double
/// quantization), in one sitting, interleaved round by round. Prints the median milliseconds, the ratio to
/// the float base and the base weight's bytes.
/// </summary>
internal static class QLoRABenchmark
{
    public const string Help = "LoRA step on a float32 vs NF4 base: qlora [--shape NxINxOUTxR] [--rounds K]";

    public static int Run(string[] args)
    {
        var (n, inF, outF, r) = (512, 1024, 1024, 8);
        int rounds = 5;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--shape":
                    int[] p = args[i + 1].Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                    (n, inF, outF, r) = (p[0], p[1], p[2], p[3]);
                    break;
                case "--rounds":
                    rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine("usage: qlora " + Help["LoRA step on a float32 vs NF4 base: qlora ".Length..]);
                    return 2;
            }
        }

        var cases = new[] { ("float32", (bool?)null), ("nf4", false), ("nf4-dq", true) }
            .Select(c => (c.Item1, Step: new Harness(n, inF, outF, r, c.Item2))).ToArray();
        var times = cases.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int c = 0; c < cases.Length; c++)
            {
                times[c].AddRange(cases[c].Step.Time(0.4));
            }
        }

        Console.WriteLine($"# peft.net qlora {n}x{inF}x{outF} r {r}: median ms per step (fwd + bwd with dX + AdamW), {rounds} interleaved rounds");
        double baseline = Median(times[0]);
        for (int c = 0; c < cases.Length; c++)
        {
            double median = Median(times[c]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{cases[c].Item1,-8} {median,8:F3} ms  {median / baseline:F2}x float32  base {cases[c].Step.BaseBytes,10} bytes  {cases[c].Step.AllocatedPerStep} B allocated/step"));
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private sealed class Harness
    {
        private readonly Linear _layer;
        private readonly AdamW _optimizer;
        private readonly float[] _x, _y, _dy, _dx;
        private readonly int _n;

        public Harness(int n, int inF, int outF, int r, bool? doubleQuantize)
        {
            _n = n;
            _layer = new Linear(inF, outF, random: new Random(1));
            if (doubleQuantize is bool dq)
            {
                _layer.Quantize(dq);
            }

            _layer.IsFrozen = true;
            _layer.AttachLoRA("default", new LoRAOptions { Rank = r, Alpha = 2 * r });
            _optimizer = new AdamW(LoRAPlusParameterGroups.Create(_layer, 1e-4, 1.0), epsilon: 1e-8);
            (_x, _dy) = StepLayer.Data(n, inF, outF);
            _y = new float[n * outF];
            _dx = new float[n * inF];
            BaseBytes = _layer.QuantizedWeight?.StorageBytes ?? 4L * inF * outF;
            for (int i = 0; i < 40; i++)
            {
                Step();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            Step();
            AllocatedPerStep = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        public long BaseBytes { get; }

        public long AllocatedPerStep { get; }

        public IEnumerable<double> Time(double seconds)
        {
            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < seconds || times.Count < 3)
            {
                long start = Stopwatch.GetTimestamp();
                Step();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return times;
        }

        private void Step()
        {
            _optimizer.ZeroGradients();
            _layer.Forward(_x, _y, _n);
            _layer.Backward(_x, _dy, _dx, _n);
            _optimizer.Step();
        }
    }
}
