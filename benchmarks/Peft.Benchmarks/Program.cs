// Benchmark harness: `dotnet run -c Release --project benchmarks/Peft.Benchmarks -- <command> [options]`.
// Each command lives in its own file and prints plain lines that README.md quotes.
var commands = new Dictionary<string, (string Help, Func<string[], int> Run)>(StringComparer.Ordinal)
{
    ["gemm"] = (Peft.Benchmarks.GemmBenchmark.Help, Peft.Benchmarks.GemmBenchmark.Run),
    ["lowrank"] = (Peft.Benchmarks.LowRankBenchmark.Help, Peft.Benchmarks.LowRankBenchmark.Run),
    ["llama"] = (Peft.Benchmarks.LlamaBenchmark.Help, Peft.Benchmarks.LlamaBenchmark.Run),
    ["qlora"] = (Peft.Benchmarks.QLoRABenchmark.Help, Peft.Benchmarks.QLoRABenchmark.Run),
    ["safetensors"] = ("safetensors write / open / BF16→F32 throughput", SafetensorsBenchmark.Run),
    ["step"] = (Peft.Benchmarks.StepBenchmark.Help + " [--device cpu|gpu [--check] [--precision fp32|fp16]]", Peft.Benchmarks.GpuStepBenchmark.RunStep),
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("usage: Peft.Benchmarks <command> [options]");
    foreach (var (name, (help, _)) in commands.OrderBy(c => c.Key, StringComparer.Ordinal))
    {
        Console.Error.WriteLine($"  {name,-8} {help}");
    }

    return args.Length == 0 ? 0 : 2;
}

return command.Run(args[1..]);
