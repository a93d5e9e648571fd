using System.Diagnostics;
using System.Globalization;
using Peft;

namespace Peft.Benchmarks;

/// <summary>
/// <c>step</c>: full training steps of one adapted <see cref="Linear"/> (frozen base with bias, batch of N
/// rows, input without gradient): forward, backward of a fixed upstream gradient, AdamW update with the
/// LoRA+ parameter groups, zeroing the gradients. Prints <c>N IN OUT R MS</c> per shape (MS = median
/// milliseconds of one step) and, as a comment line, the bytes allocated per steady-state step.
/// Peer: <c>benchmarks/peers/step.py</c>; side by side: <c>benchmarks/step-vs-torch.sh</c>.
/// </summary>
internal static class StepBenchmark
{
    public const string Help = "training step of one adapted Linear: step --adapter lora|loraplus|mora|dora|adalora|vera|ia3|loha|lokr [--mora-type sharing|rope] --shapes NxINxOUTxR,... [--path runtime|generated] [--mode step|adapter]";

    public static int Run(string[] args)
    {
        var options = StepOptions.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: step " + Help["training step of one adapted Linear: step ".Length..]);
            return 2;
        }

        Console.WriteLine($"# peft.net step adapter {options.Adapter}{(options.Adapter == "mora" ? " type " + options.MoRAType.ToString().ToLowerInvariant() : "")}" +
            $" vector {System.Numerics.Vector<float>.Count * 32} bit path {options.Path} mode {options.Mode}");
        foreach (var (n, inF, outF, r) in options.Shapes)
        {
            var step = new StepHarness(options, n, inF, outF, r);
            var (median, minimum, allocated) = step.Measure(options.Seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} {inF} {outF} {r} {median:F3}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# {n}x{inF}x{outF}x{r}: {allocated} bytes allocated per steady-state step; fastest step {minimum:F3} ms"));
        }

        return 0;
    }

    /// <summary>One adapted layer, its optimizer and fixed input and upstream gradient.</summary>
    private sealed class StepHarness
    {
        private readonly Linear _layer;
        private readonly AdamW _optimizer;
        private readonly float[] _x;
        private readonly float[] _y;
        private readonly float[] _dy;
        private readonly int _batch;
        private readonly bool _adapterOnly;
        private readonly Peft.Training.ITrainingStepHook? _hook;
        private int _step;

        public StepHarness(StepOptions options, int n, int inF, int outF, int r)
        {
            _batch = n;
            _adapterOnly = options.Mode == "adapter";
            (_layer, _optimizer) = StepLayer.Create(options, inF, outF, r);
            _hook = options.Adapter == "adalora" ? AdaLoRARankAllocator.For(_layer) : null;
            (_x, _dy) = StepLayer.Data(n, inF, outF);
            _y = new float[n * outF];
        }

        public (double MedianMs, double MinimumMs, long AllocatedPerStep) Measure(double seconds)
        {
            // Warm up for half a second (at least 30 steps): tiered JIT promotes the kernels only after
            // 30 calls and a 100 ms delay, so a count-based warm-up would time tier-0 code on small shapes.
            var warmUp = Stopwatch.StartNew();
            for (int i = 0; i < 30 || warmUp.Elapsed.TotalSeconds < 0.5; i++)
            {
                Step();
            }

            const int allocationSteps = 5;
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < allocationSteps; i++)
            {
                Step();
            }

            long allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / allocationSteps;
            var times = new List<double>(512);
            var total = Stopwatch.StartNew();
            while (times.Count < 10 || (total.Elapsed.TotalSeconds < seconds && times.Count < 500))
            {
                long start = Stopwatch.GetTimestamp();
                Step();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            times.Sort();
            return (times[times.Count / 2], times[0], allocated);
        }

        private void Step()
        {
            if (_adapterOnly)
            {
                // The adapter path alone: Δ(x) forward and its backward, no base GEMM, no update.
                var adapter = _layer.Adapters.Active!;
                adapter.Forward(_x, _y, _batch);
                adapter.Backward(_x, _dy, Span<float>.Empty, _batch);
                return;
            }

            _layer.Forward(_x, _y, _batch);
            _layer.Backward(_x, _dy, Span<float>.Empty, _batch);
            _hook?.AddRegularization(); // AdaLoRA: the orthogonal regularizer's gradient, as the Trainer adds it
            _optimizer.Step();
            _hook?.AfterOptimizerStep(1 + _step++ % 100_000); // AdaLoRA: importance, budget, masks (as the Trainer runs it)
            _optimizer.ZeroGradients();
        }
    }
}
