using System.Diagnostics;
using System.Globalization;
using Peft;
using Peft.Gpu;
using Peft.Gpu.Training;

namespace Peft.Benchmarks;

/// <summary>
/// <c>step --device gpu [--check]</c>: the <c>step</c> benchmark's training step (same options, same layer, data and
/// LoRA+ groups, same <c>N IN OUT R MS</c> lines) run by <see cref="GpuAdaptedLinear"/> on the Vulkan device:
/// x and the upstream gradient are uploaded once, and a timed step is one submission (forward, backward, AdamW)
/// and a fence wait. <c>--check</c> first runs two steps beside the CPU runtime on the same data and prints
/// <c>max-rel-error X</c>: the largest |gpu − cpu| over the second step's y and the updated adapter tensors,
/// relative to the largest |cpu| of that tensor. <c>--precision fp16</c> runs the frozen base's products on the
/// cooperative-matrix GEMM (float16 operands, float32 accumulation; the device must offer it), so the check then shows
/// float16 rounding (≈1e-3). <c>PEFT_GPU_DEVICE</c> picks the device.
/// </summary>
internal static class GpuStepBenchmark
{
    /// <summary>Whether <paramref name="args"/> ask for the GPU (<c>--device gpu</c>); <c>--device cpu</c> is the plain <c>step</c>.</summary>
    public static bool Handles(string[] args)
    {
        for (int i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--device")
            {
                return args[i + 1] == "gpu";
            }
        }

        return false;
    }

    /// <summary>Runs <c>step</c> on the CPU (<c>--device cpu</c>) or the GPU.</summary>
    public static int RunStep(string[] args) => Handles(args) ? Run(args) : StepBenchmark.Run(WithoutDevice(args, out _, out _));

    private static int Run(string[] args)
    {
        var options = StepOptions.Parse(WithoutDevice(args, out bool check, out var precision));
        if (options is null || precision is null || options.Path != "runtime" || options.Mode != "step")
        {
            Console.Error.WriteLine("usage: step --device gpu [--check] [--precision fp32|fp16] --adapter lora|loraplus|mora [--mora-type sharing|rope] --shapes NxINxOUTxR,... [--seconds S]" +
                " (the GPU runs whole steps of the runtime adapters: no --path generated, no --mode adapter)");
            return 2;
        }

        if (!GpuDevice.TryCreate(out var device, out string reason))
        {
            Console.Error.WriteLine("step --device gpu: " + reason);
            return 3;
        }

        using (device)
        {
            try
            {
                return Measure(device, options, check, precision.Value);
            }
            catch (NotSupportedException e)
            {
                Console.Error.WriteLine("step --device gpu: " + e.Message);
                return 2;
            }
        }
    }

    private static int Measure(GpuDevice device, StepOptions options, bool check, GpuBasePrecision precision)
    {
        if (precision == GpuBasePrecision.Float16 && device.HalfGemm is null)
        {
            Console.Error.WriteLine($"step --device gpu --precision fp16: {device.Name} has no half-precision GEMM: {device.HalfGemmUnavailableReason}.");
            return 2;
        }

        {
            string numerics = precision == GpuBasePrecision.Float16 ? $"fp16 base ({device.HalfGemm}), fp32 adapter" : "fp32";
            Console.WriteLine($"# peft.net step adapter {options.Adapter}{(options.Adapter == "mora" ? " type " + options.MoRAType.ToString().ToLowerInvariant() : "")}" +
                $" device gpu '{device.Name}' ({(device.IsCpu ? "CPU Vulkan driver" : "GPU")}) {numerics}");
            foreach (var (n, inF, outF, r) in options.Shapes)
            {
                if (check)
                {
                    double error = MaxRelativeError(device, options, precision, n, inF, outF, r);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {n}x{inF}x{outF}x{r}: two steps beside the CPU runtime"));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max-rel-error {error:E2}"));
                }

                using var step = new GpuStepHarness(device, options, precision, n, inF, outF, r);
                var (median, minimum) = step.Measure(options.Seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} {inF} {outF} {r} {median:F3}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# {n}x{inF}x{outF}x{r}: fastest step {minimum:F3} ms"));
            }
        }

        return 0;
    }

    // The arguments without --device X, --precision P and --check (the rest is StepOptions' syntax); precision is null
    // when its value is neither fp32 nor fp16.
    private static string[] WithoutDevice(string[] args, out bool check, out GpuBasePrecision? precision)
    {
        var rest = new List<string>();
        check = false;
        precision = GpuBasePrecision.Float32;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--device" && i + 1 < args.Length)
            {
                i++;
            }
            else if (args[i] == "--precision" && i + 1 < args.Length)
            {
                precision = args[++i] switch { "fp32" => GpuBasePrecision.Float32, "fp16" => GpuBasePrecision.Float16, _ => null };
            }
            else if (args[i] == "--check")
            {
                check = true;
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return [.. rest];
    }

    private static double MaxRelativeError(GpuDevice device, StepOptions options, GpuBasePrecision precision, int n, int inF, int outF, int r)
    {
        var (cpuLayer, cpuOptimizer) = StepLayer.Create(options, inF, outF, r);
        using var gpu = new GpuStepHarness(device, options, precision, n, inF, outF, r);
        var (x, dy) = StepLayer.Data(n, inF, outF);
        var y = new float[n * outF];
        // Two steps: B (or M) starts at zero, so only the second step's forward and dA go through the adapter.
        for (int step = 0; step < 2; step++)
        {
            cpuLayer.Forward(x, y, n);
            cpuLayer.Backward(x, dy, Span<float>.Empty, n);
            cpuOptimizer.Step();
            cpuOptimizer.ZeroGradients();
            gpu.Step.Step();
        }

        var gpuY = new float[y.Length];
        gpu.Step.Output.Download(gpuY);
        gpu.Step.CopyAdapterToLayer();
        double error = Relative(y, gpuY);
        var cpuParameters = cpuLayer.Adapters.Active!.AdapterParameters;
        var gpuParameters = gpu.Layer.Adapters.Active!.AdapterParameters;
        for (int i = 0; i < cpuParameters.Count; i++)
        {
            error = Math.Max(error, Relative(cpuParameters[i].Value, gpuParameters[i].Value));
        }

        return error;
    }

    private static double Relative(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]));
        }

        return scale == 0 ? worst : worst / scale;
    }

    /// <summary>The step benchmark's layer moved to the device with its data uploaded once.</summary>
    private sealed class GpuStepHarness : IDisposable
    {
        public GpuStepHarness(GpuDevice device, StepOptions options, GpuBasePrecision precision, int n, int inF, int outF, int r)
        {
            (Layer, var optimizer) = StepLayer.Create(options, inF, outF, r);
            Step = Layer.ToGpu(device, optimizer, n, basePrecision: precision);
            var (x, dy) = StepLayer.Data(n, inF, outF);
            Step.Input.Upload(x);
            Step.OutputGradient.Upload(dy);
        }

        public Linear Layer { get; }

        public GpuAdaptedLinear Step { get; }

        public (double MedianMs, double MinimumMs) Measure(double seconds)
        {
            // Warm-up: pipelines are built at creation; a few submissions settle clocks and caches.
            var warmUp = Stopwatch.StartNew();
            for (int i = 0; i < 10 || warmUp.Elapsed.TotalSeconds < 0.25; i++)
            {
                Step.Step();
            }

            var times = new List<double>(512);
            var total = Stopwatch.StartNew();
            while (times.Count < 10 || (total.Elapsed.TotalSeconds < seconds && times.Count < 500))
            {
                long start = Stopwatch.GetTimestamp();
                Step.Step();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            times.Sort();
            return (times[times.Count / 2], times[0]);
        }

        public void Dispose() => Step.Dispose();
    }
}
