using System.Diagnostics;
using System.Globalization;
using Peft;
using Peft.Models;

namespace Peft.Benchmarks;

/// <summary>
/// <c>llama</c>: a Llama decoder (hidden 512, intermediate 1376, 8 layers, 8 heads, 8 KV heads, vocab 4096,
/// float32) on a batch of 4 sequences of 128 random tokens, LoRA r 8 α 16 on <c>q_proj</c> and <c>v_proj</c>
/// (runtime <c>Apply</c>, base frozen), AdamW on the adapters. Prints <c>llama-forward TOKENS_PER_S</c>
/// (eval-mode forward of the batch, nothing kept for a backward pass by the caller) and <c>llama-train MS</c>
/// (forward, causal-LM loss, backward, AdamW step, zeroed gradients), both medians, then
/// <c>llama-peak-rss MB</c> and, as a comment, the bytes allocated per steady-state step.
/// Peer: <c>benchmarks/peers/llama.py</c>; side by side: <c>benchmarks/llama-vs-torch.sh</c>.
/// </summary>
internal static class LlamaBenchmark
{
    public const string Help = "Llama LoRA fine-tuning step and forward: llama [--threads N] [--steps N] [--layers N] [--batch N] [--seq N]";

    public static int Run(string[] args)
    {
        int threads = 0, steps = 10, layers = 8, batch = 4, sequence = 128;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length || !int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int value) || value <= 0)
            {
                Console.Error.WriteLine($"llama: {name} needs a positive whole number. usage: {Help}");
                return 2;
            }

            i++;
            switch (name)
            {
                case "--threads": threads = value; break;
                case "--steps": steps = value; break;
                case "--layers": layers = value; break;
                case "--batch": batch = value; break;
                case "--seq": sequence = value; break;
                default:
                    Console.Error.WriteLine($"llama: unknown option {name}. usage: {Help}");
                    return 2;
            }
        }

        if (threads > 0 && threads != Environment.ProcessorCount)
        {
            // The kernels size their worker pool from the processor count at start-up: run again with it set.
            return RunWithProcessorCount(threads, args);
        }

        var config = new LlamaConfig
        {
            HiddenSize = 512, IntermediateSize = 1376, NumHiddenLayers = layers, NumAttentionHeads = 8, NumKeyValueHeads = 8,
            VocabSize = 4096, MaxPositionEmbeddings = Math.Max(sequence, 128),
        };
        var model = new LlamaForCausalLM(config, seed: 0);
        model.Apply(new AdapterConfig
        {
            Options = new LoRAOptions { Rank = 8, Alpha = 16, Seed = 1 },
            TargetModules = ["q_proj", "v_proj"],
        });
        var optimizer = new AdamW(ParameterGroup.ForModule(model, learningRate: 1e-4));
        var random = new Random(2);
        var ids = new Tensor<int>(batch, sequence);
        for (int i = 0; i < ids.Length; i++)
        {
            ids.Span[i] = random.Next(config.VocabSize);
        }

        var loss = new CausalLMLoss<float>();
        int trainable = model.NamedParameters().Where(p => p.Value.Trainable).Sum(p => p.Value.Length);
        Console.WriteLine($"# peft.net llama: {layers} layers, batch {batch}, sequence {sequence}, processors {Environment.ProcessorCount}, trainable {trainable}");

        model.Eval();
        double forward = Median(steps, () => model.Forward(ids));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"llama-forward {batch * sequence / (forward / 1000):F0}"));

        model.Train();
        void Step()
        {
            var logits = model.Forward(ids);
            loss.Forward(logits, ids);
            optimizer.ZeroGradients();
            model.Backward(loss.Backward());
            optimizer.Step();
        }

        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double train = Median(steps, Step);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"llama-train {train:F1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"llama-peak-rss {PeakResidentMegabytes():F0}"));
        Console.WriteLine($"# {allocated} bytes allocated per steady-state training step (this thread)");
        return 0;
    }

    /// <summary>The median milliseconds of <paramref name="runs"/> calls after two warm-up calls.</summary>
    private static double Median(int runs, Action action)
    {
        action();
        action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
    }

    /// <summary>VmHWM of /proc/self/status (the peak resident set), in MiB; NaN where it cannot be read.</summary>
    private static double PeakResidentMegabytes()
    {
        foreach (string line in File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status") : [])
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }

    private static int RunWithProcessorCount(int threads, string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        start.ArgumentList.Add("llama");
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_PROCESSOR_COUNT"] = threads.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
