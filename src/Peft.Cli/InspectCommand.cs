using Peft.IO;

namespace Peft.Cli;

/// <summary><c>peft inspect PATH</c>: the tensors (dtype, shape, bytes, offset), the metadata, and for an adapter directory its config.</summary>
internal static class InspectCommand
{
    public static void Run(string path, TextWriter stdout)
    {
        if (Directory.Exists(path))
        {
            using var adapter = PeftAdapterDirectory.Open(path);
            stdout.WriteLine($"adapter: {path}");
            var config = adapter.Config;
            stdout.WriteLine(config.IsMoRA
                ? $"method: MoRA (mora_type {config.MoraType ?? 1}, {config.GetMoRAType()}), r {config.R}"
                : $"method: LoRA, r {config.R}, lora_alpha {config.LoraAlpha}, scale {(config.UseRsLoRA ? "alpha/sqrt(r) (rsLoRA)" : "alpha/r")}");
            foreach (var module in adapter.Modules)
            {
                stdout.WriteLine(config.IsMoRA
                    ? $"  module {module.ModulePath}: M [{module.Rank}, {module.Rank}]"
                    : $"  module {module.ModulePath}: r {module.Rank}, in {module.InFeatures}, out {module.OutFeatures}, scale {config.ScaleFor(module.ModulePath, module.Rank):G6}");
            }

            stdout.WriteLine($"{PeftAdapterDirectory.ConfigFileName}:");
            stdout.WriteLine(config.ToJson());
            Describe(adapter.Weights, stdout);
            return;
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or directory.");
        }

        using var file = SafetensorsFile.Open(path);
        Describe(file, stdout);
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
