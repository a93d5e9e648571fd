using Peft.IO;

namespace Peft.Cli;

/// <summary>
/// <c>peft merge</c>: folds an adapter into base weights (see <see cref="PeftMerger"/>): a safetensors file into a file,
/// a model folder (single file or sharded) into a new folder of the same layout and dtypes.
/// </summary>
internal static class MergeCommand
{
    public static void Run(string basePath, string adapterDirectory, string outputPath, TextWriter stdout)
    {
        if (!File.Exists(basePath) && !Directory.Exists(basePath))
        {
            throw new FileNotFoundException($"{basePath}: no such file or folder (--base).");
        }

        if (!Directory.Exists(adapterDirectory))
        {
            throw new DirectoryNotFoundException($"{adapterDirectory}: no such directory (--adapter).");
        }

        var merged = PeftMerger.MergeFiles(basePath, adapterDirectory, outputPath);
        stdout.WriteLine($"merged {merged.Count} module(s) into {outputPath}: {string.Join(", ", merged)}");
    }
}
