namespace Peft.IO.Tests;

/// <summary>Paths of the spec-built fixtures (see Fixtures/make_fixtures.py) and a scratch folder helper.</summary>
internal static class Fixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static string TemporaryFolder()
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"peft-io-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A new folder holding <paramref name="configJson"/> as adapter_config.json and <paramref name="tensors"/> as adapter_model.safetensors.</summary>
    public static string WritePeftFolder(string configJson, params SafetensorsTensor[] tensors)
    {
        string folder = TemporaryFolder();
        File.WriteAllText(System.IO.Path.Combine(folder, PeftAdapterDirectory.ConfigFileName), configJson);
        SafetensorsWriter.WriteFile(System.IO.Path.Combine(folder, PeftAdapterDirectory.WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return folder;
    }

    /// <summary>One unit in the last place of <paramref name="value"/> in <paramref name="dtype"/>.</summary>
    public static double Ulp(double value, SafetensorsDType dtype)
    {
        int mantissaBits = dtype switch
        {
            SafetensorsDType.F16 => 10,
            SafetensorsDType.BF16 => 7,
            SafetensorsDType.F32 => 23,
            _ => 52,
        };
        double magnitude = Math.Max(Math.Abs(value), dtype == SafetensorsDType.F16 ? Math.Pow(2, -14) : 1e-30);
        return Math.Pow(2, Math.Floor(Math.Log2(magnitude)) - mantissaBits);
    }
}
