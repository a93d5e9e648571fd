using Peft.IO;

namespace Peft.Cli;

/// <summary>
/// <c>peft inspect PATH</c>: the tensors (dtype, shape, bytes, offset) and the metadata of a safetensors file; for an
/// adapter directory its config first; for a model folder (single file or sharded index) a summary, then every file.
/// </summary>
internal static class InspectCommand
{
    public static void Run(string path, TextWriter stdout)
    {
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, PeftAdapterDirectory.ConfigFileName)))
        {
            using var adapter = PeftAdapterDirectory.Open(path);
            stdout.WriteLine($"adapter: {path}");
            var config = adapter.Config;
            stdout.WriteLine(adapter.DescribeMethod());
            foreach (var module in adapter.Modules)
            {
                stdout.WriteLine(adapter.DescribeModule(module));
            }

            stdout.WriteLine($"{PeftAdapterDirectory.ConfigFileName}:");
            stdout.WriteLine(config.ToJson());
            Describe(adapter.Weights, stdout);
            return;
        }

        if (Directory.Exists(path) && !File.Exists(Path.Combine(path, SafetensorsCheckpoint.SingleFileName))
            && !File.Exists(Path.Combine(path, SafetensorsCheckpoint.IndexFileName)))
        {
            throw new InvalidDataException(
                $"{path}: neither an adapter folder ({PeftAdapterDirectory.ConfigFileName}) nor a model folder ({SafetensorsCheckpoint.SingleFileName} or {SafetensorsCheckpoint.IndexFileName}).");
        }

        using var checkpoint = SafetensorsCheckpoint.Open(path);
        if (checkpoint.Directory is not null)
        {
            var dtypes = checkpoint.Files.SelectMany(f => f.Tensors).GroupBy(t => t.DType).OrderBy(g => g.Key)
                .Select(g => $"{g.Key} {g.Count()} ({g.Sum(t => t.ByteLength)} bytes)");
            stdout.WriteLine(checkpoint.IsSharded
                ? $"model: {path} ({checkpoint.Files.Count} shards listed by {SafetensorsCheckpoint.IndexFileName}, {checkpoint.TensorCount} tensors)"
                : $"model: {path} ({SafetensorsCheckpoint.SingleFileName}, {checkpoint.TensorCount} tensors)");
            stdout.WriteLine($"dtypes: {string.Join(", ", dtypes)}");
        }

        foreach (var file in checkpoint.Files)
        {
            Describe(file, stdout);
        }
    }

    private static void Describe(SafetensorsFile file, TextWriter stdout)
    {
        stdout.WriteLine($"file: {file.Source} ({file.Length} bytes, header {file.HeaderLength} bytes, {file.Tensors.Count} tensors)");
        foreach (var (key, value) in file.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            stdout.WriteLine($"metadata: {key} = {value}");
        }

        int width = file.Tensors.Count == 0 ? 0 : file.Tensors.Max(t => t.Name.Length);
        foreach (var tensor in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            stdout.WriteLine($"  {tensor.Name.PadRight(width)}  {tensor.DType,-7}  {tensor.ShapeText,-14}  {tensor.ByteLength,10} bytes at {file.DataStart + tensor.DataBegin}");
        }
    }
}
