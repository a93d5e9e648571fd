using System.Diagnostics;
using Peft.Benchmarks.Generated;

namespace Peft.Benchmarks;

/// <summary>
/// <c>adapter --adapter lora|loraplus|mora --shapes NxINxOUTxR,… [--path generated|runtime|both] [--mode adapter|step] [--runs 31]</c>:
/// the generated kernels against the runtime kernels on one adapted <c>Linear</c> (frozen base, batch N).
/// <c>--mode adapter</c> times the adapter path alone — adapter forward and backward with dX, the base
/// GEMMs excluded; <c>--mode step</c> a whole training step (base and adapter forward and backward, AdamW
/// with the LoRA+ groups). One line per shape and path: <c>N IN OUT R PATH MS</c> (median), then
/// <c>speedup</c> (runtime ms / generated ms) when both paths run.
/// </summary>
internal static class AdapterPathBenchmark
{
    public const string Help = "generated vs runtime kernels: adapter --adapter loraplus --shapes 64x768x768x8 [--path both] [--mode adapter|step] [--runs 31]";

    public static int Run(string[] args)
    {
        string adapter = "loraplus", path = "both", mode = "adapter";
        string shapes = "64x768x768x8,512x1024x1024x8,256x2048x2048x16";
        int runs = 31;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--adapter": adapter = args[i + 1]; break;
                case "--shapes": shapes = args[i + 1]; break;
                case "--path": path = args[i + 1]; break;
                case "--mode": mode = args[i + 1]; break;
                case "--runs": runs = int.Parse(args[i + 1]); break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; {Help}");
                    return 2;
            }
        }

        Console.WriteLine($"# adapter {adapter}, mode {mode}, {Environment.ProcessorCount} cores");
        foreach (string shape in shapes.Split(','))
        {
            int[] s = shape.Split('x').Select(int.Parse).ToArray();
            var (batch, inFeatures, outFeatures, rank) = (s[0], s[1], s[2], s[3]);
            double generated = 0, runtime = 0;
            if (path is "generated" or "both")
            {
                generated = Median(adapter, batch, inFeatures, outFeatures, rank, generatedPath: true, mode, runs);
                Console.WriteLine($"{batch} {inFeatures} {outFeatures} {rank} generated {generated:F3}");
            }

            if (path is "runtime" or "both")
            {
                runtime = Median(adapter, batch, inFeatures, outFeatures, rank, generatedPath: false, mode, runs);
                Console.WriteLine($"{batch} {inFeatures} {outFeatures} {rank} runtime {runtime:F3}");
            }

            if (path == "both")
            {
                Console.WriteLine($"{batch} {inFeatures} {outFeatures} {rank} speedup {runtime / generated:F2}x");
            }
        }

        return 0;
    }

    private static double Median(string adapter, int batch, int inFeatures, int outFeatures, int rank, bool generatedPath, string mode, int runs)
    {
        var model = BenchmarkModels.Create(adapter, inFeatures, outFeatures, rank)
            ?? throw new ArgumentException($"No generated model for --adapter {adapter} at rank {rank} (ranks 8 and 16 are generated).");
        Linear layer = model.Layer;
        if (generatedPath)
        {
            model.AttachAdapters();
        }
        else
        {
            // The same configuration through the runtime path (generic kernels).
            var reference = BenchmarkModels.Create(adapter, inFeatures, outFeatures, rank)!;
            reference.AttachAdapters();
            layer.Attach(LinearAdapterExtensions.DefaultName, BenchmarkModels.OptionsOf(reference.Layer.Adapters.Active!));
        }

        var random = new Random(1);
        var x = Fill(new float[batch * inFeatures], random);
        var dy = Fill(new float[batch * outFeatures], random);
        var y = new float[batch * outFeatures];
        var dx = new float[batch * inFeatures];
        Adapter<float> active = layer.Adapters.Active!;
        foreach (var parameter in active.AdapterParameters)
        {
            Fill(parameter.Value, random);
        }

        var optimizer = model.CreateOptimizer(1e-4);
        Action step = mode == "step"
            ? () =>
            {
                optimizer.ZeroGradients();
                layer.Forward(x, y, batch);
                layer.Backward(x, dy, dx, batch);
                optimizer.Step();
            }
            : () =>
            {
                active.Forward(x, y, batch);
                active.Backward(x, dy, dx, batch);
            };

        for (int i = 0; i < 5; i++)
        {
            step();
        }

        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return times[runs / 2];
    }

    private static float[] Fill(float[] values, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
        }

        return values;
    }
}
