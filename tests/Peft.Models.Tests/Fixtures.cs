namespace Peft.Models.Tests;

/// <summary>Paths of the copied reference files (Fixtures/hf-tiny-llama, see its README) and scratch folders.</summary>
internal static class Fixtures
{
    public static string TinyLlama => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-llama", "tiny-llama");

    public static string TinyLlamaLoRA => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-llama", "tiny-llama-lora");

    public static string TinyLlamaIO => Path.Combine(AppContext.BaseDirectory, "Fixtures", "hf-tiny-llama", "io.safetensors");

    /// <summary>A new empty folder under the temp directory.</summary>
    public static string TemporaryFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"peft-models-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A copy of the tiny Llama folder that a test may change.</summary>
    public static string CopyOfTinyLlama()
    {
        string folder = TemporaryFolder();
        foreach (string file in Directory.GetFiles(TinyLlama))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }
}
