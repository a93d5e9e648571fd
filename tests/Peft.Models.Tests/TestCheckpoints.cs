using Peft.IO;

namespace Peft.Models.Tests;

/// <summary>Builds model folders from the tiny Llama's tensors, changed as a test needs.</summary>
internal static class TestCheckpoints
{
    /// <summary>The tiny Llama's tensors by name: shape and float values.</summary>
    public static Dictionary<string, (long[] Shape, float[] Values)> TinyLlamaTensors()
    {
        using var file = SafetensorsFile.Open(Path.Combine(Fixtures.TinyLlama, "model.safetensors"));
        return file.Tensors.ToDictionary(t => t.Name, t => (t.Shape.ToArray(), file.ReadValues<float>(t.Name)));
    }

    /// <summary>A folder with the tiny Llama's config.json (changed by <paramref name="editConfig"/>) and <paramref name="tensors"/> in one file.</summary>
    public static string Folder(Dictionary<string, (long[] Shape, float[] Values)> tensors, SafetensorsDType dtype = SafetensorsDType.F32, Func<string, string>? editConfig = null)
    {
        string folder = ConfigOnly(editConfig);
        Write(Path.Combine(folder, "model.safetensors"), tensors, dtype);
        return folder;
    }

    /// <summary>A folder with only the (edited) config.json.</summary>
    public static string ConfigOnly(Func<string, string>? editConfig = null)
    {
        string folder = Fixtures.TemporaryFolder();
        string config = File.ReadAllText(Path.Combine(Fixtures.TinyLlama, "config.json"));
        File.WriteAllText(Path.Combine(folder, "config.json"), editConfig is null ? config : editConfig(config));
        return folder;
    }

    /// <summary>Writes <paramref name="tensors"/> as one safetensors file.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, (long[] Shape, float[] Values)>> tensors, SafetensorsDType dtype = SafetensorsDType.F32) =>
        SafetensorsWriter.WriteFile(path, tensors.Select(t => SafetensorsTensor.FromValues<float>(t.Key, t.Value.Shape, t.Value.Values, dtype)));
}
