using System.Diagnostics;
using Peft.IO;

/// <summary>
/// <c>safetensors [--mb N] [--file PATH]</c>: writes an N-MiB BF16 file (16 MiB tensors), then measures
/// opening it (memory map + header validation) and converting every tensor to float32, best of 5.
/// The peer script <c>benchmarks/peers/safetensors_load.py</c> does the same open + convert with
/// numpy + PyTorch on the file this command leaves behind.
/// </summary>
internal static class SafetensorsBenchmark
{
    public static int Run(string[] args)
    {
        int megabytes = 256;
        string path = Path.Combine(Path.GetTempPath(), "peft-bench.safetensors");
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--mb":
                    megabytes = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--file":
                    path = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    return 2;
            }
        }

        const int rows = 4096;
        const int columns = 2048; // 4096·2048 BF16 = 16 MiB per tensor
        int count = Math.Max(1, megabytes / 16);
        var random = new Random(0);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var tensors = Enumerable.Range(0, count)
            .Select(i => SafetensorsTensor.FromValues<float>($"layers.{i}.weight", new long[] { rows, columns }, values, SafetensorsDType.BF16))
            .ToList();
        double mib = count * 16.0;

        var write = Best(() => SafetensorsWriter.WriteFile(path, tensors));
        var open = Best(() =>
        {
            using var file = SafetensorsFile.Open(path);
        });
        var destination = new float[rows * columns];
        var convert = Best(() =>
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var tensor in file.Tensors)
            {
                file.ReadValues<float>(tensor.Name, destination);
            }
        });

        Console.WriteLine($"safetensors: {count} BF16 tensors [{rows}, {columns}], {mib:F0} MiB, file {path}");
        Console.WriteLine($"  write (atomic, fsync)        {write.TotalMilliseconds,8:F1} ms  {mib / write.TotalSeconds,8:F0} MiB/s");
        Console.WriteLine($"  open (mmap + validate)       {open.TotalMilliseconds,8:F3} ms");
        Console.WriteLine($"  open + BF16→F32 all tensors  {convert.TotalMilliseconds,8:F1} ms  {mib / convert.TotalSeconds,8:F0} MiB/s of BF16");
        return 0;
    }

    private static TimeSpan Best(Action action)
    {
        var best = TimeSpan.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            watch.Stop();
            if (watch.Elapsed < best)
            {
                best = watch.Elapsed;
            }
        }

        return best;
    }
}
