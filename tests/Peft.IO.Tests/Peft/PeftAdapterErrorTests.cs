namespace Peft.IO.Tests.Peft;

public sealed class PeftAdapterErrorTests : IDisposable
{
    private readonly string _folder = Fixtures.TemporaryFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void InvalidConfigJsonNamesTheFileAndLine()
    {
        WriteAdapter("{\n  \"r\": 2,\n  \"lora_alpha\": [\n}", Lora(2, 5, 6));
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapterDirectory.Open(_folder));
        Assert.Contains("adapter_config.json", error.Message);
        Assert.Contains("line", error.Message);
    }

    [Fact]
    public void MissingFilesAreNamed()
    {
        Assert.Contains("no adapter_config.json", Assert.Throws<FileNotFoundException>(() => PeftAdapterDirectory.Open(_folder)).Message);
    }

    [Fact]
    public void LoRAAWithoutLoRAB()
    {
        WriteAdapter("{\"r\": 2}", [SafetensorsTensor.FromValues<float>(PeftKeys.LoRAA("encoder.fc1"), new long[] { 2, 5 }, new float[10])]);
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapterDirectory.Open(_folder));
        Assert.Contains("module 'encoder.fc1' has base_model.model.encoder.fc1.lora_A.weight but no base_model.model.encoder.fc1.lora_B.weight", error.Message);
    }

    [Fact]
    public void RanksOfAAndBDisagree()
    {
        WriteAdapter("{\"r\": 2}", [
            SafetensorsTensor.FromValues<float>(PeftKeys.LoRAA("encoder.fc1"), new long[] { 2, 5 }, new float[10]),
            SafetensorsTensor.FromValues<float>(PeftKeys.LoRAB("encoder.fc1"), new long[] { 6, 3 }, new float[18]),
        ]);
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapterDirectory.Open(_folder));
        Assert.Contains("lora_A [2, 5]", error.Message);
        Assert.Contains("lora_B [6, 3]", error.Message);
    }

    [Fact]
    public void AdapterThatDoesNotFitTheLayer()
    {
        WriteAdapter("{\"r\": 2, \"lora_alpha\": 4}", Lora(2, 7, 6));
        var error = Assert.Throws<InvalidDataException>(() => new TinyModel<float>().LoadAdapter(_folder));
        Assert.Contains("module 'encoder.fc1' has lora_A [2, 7] and lora_B [6, 2], which do not fit Linear [6, 5]", error.Message);
    }

    [Fact]
    public void RankDisagreesWithTheConfig()
    {
        WriteAdapter("{\"r\": 4, \"rank_pattern\": {\"fc2\": 2}}", Lora(2, 5, 6));
        var error = Assert.Throws<InvalidDataException>(() => PeftAdapterDirectory.Open(_folder));
        Assert.Contains("module 'encoder.fc1' has rank 2 in the weights (lora_A [2, 5]) but r = 4 in the config", error.Message);
    }

    [Fact]
    public void ConfigValuesTheLayerRejectsAreFileErrors()
    {
        WriteAdapter("{\"r\": 2, \"lora_dropout\": 1.5}", Lora(2, 5, 6));
        var error = Assert.Throws<InvalidDataException>(() => new TinyModel<float>().LoadAdapter(_folder));
        Assert.Contains("module 'encoder.fc1'", error.Message);
        Assert.Contains("dropout", error.Message);
    }

    [Fact]
    public void ModuleMissingFromTheModel()
    {
        WriteAdapter("{\"r\": 2}", Lora(2, 5, 6, "decoder.fc1"));
        var error = Assert.Throws<InvalidDataException>(() => new TinyModel<float>().LoadAdapter(_folder));
        Assert.Contains("the model has no module at 'decoder.fc1'", error.Message);
    }

    [Fact]
    public void MoRAWithDifferentAAndB()
    {
        WriteAdapter("{\"r\": 1, \"use_mora\": true, \"mora_type\": 1}", MoRA(new float[9], Enumerable.Repeat(1f, 9).ToArray()));
        var error = Assert.Throws<InvalidDataException>(() => new TinyModel<float>().LoadAdapter(_folder));
        Assert.Contains("different lora_A and lora_B", error.Message);
    }

    [Fact]
    public void MoRASquareRankThatDoesNotMatchTheConfig()
    {
        WriteAdapter("{\"r\": 2, \"use_mora\": true, \"mora_type\": 1}", MoRA(new float[9], new float[9]));
        var error = Assert.Throws<InvalidDataException>(() => new TinyModel<float>().LoadAdapter(_folder));
        Assert.Contains("stores M [3, 3], but r = 2 on Linear [6, 5] gives r̂ = 5", error.Message);
    }

    [Fact]
    public void UnsupportedMoRAType()
    {
        WriteAdapter("{\"r\": 1, \"use_mora\": true, \"mora_type\": 5}", MoRA(new float[9], new float[9]));
        Assert.Contains("mora_type 5 is not supported", Assert.Throws<InvalidDataException>(() => new TinyModel<float>().LoadAdapter(_folder)).Message);
    }

    [Fact]
    public void MergeRefusesTensorsItCannotFold()
    {
        WriteAdapter("{\"r\": 2, \"bias\": \"all\"}", [.. Lora(2, 5, 6), SafetensorsTensor.FromValues<float>("base_model.model.encoder.fc1.bias", new long[] { 6 }, new float[6])]);
        using var adapter = PeftAdapterDirectory.Open(_folder);
        using var baseFile = SafetensorsFile.Open(Fixtures.Path("base_model.safetensors"));
        var error = Assert.Throws<InvalidDataException>(() => PeftMerger.Merge(baseFile, adapter));
        Assert.Contains("cannot merge tensor 'base_model.model.encoder.fc1.bias'", error.Message);
    }

    private void WriteAdapter(string config, IEnumerable<SafetensorsTensor> tensors)
    {
        File.WriteAllText(Path.Combine(_folder, PeftAdapterDirectory.ConfigFileName), config);
        SafetensorsWriter.WriteFile(Path.Combine(_folder, PeftAdapterDirectory.WeightsFileName), tensors);
    }

    /// <summary>A 3×3 MoRA M for encoder.fc1, with the given lora_A and lora_B values.</summary>
    private static SafetensorsTensor[] MoRA(float[] a, float[] b) =>
    [
        SafetensorsTensor.FromValues<float>(PeftKeys.LoRAA("encoder.fc1"), new long[] { 3, 3 }, a),
        SafetensorsTensor.FromValues<float>(PeftKeys.LoRAB("encoder.fc1"), new long[] { 3, 3 }, b),
    ];

    private static SafetensorsTensor[] Lora(int r, int inF, int outF, string path = "encoder.fc1") =>
    [
        SafetensorsTensor.FromValues<float>(PeftKeys.LoRAA(path), new long[] { r, inF }, new float[r * inF]),
        SafetensorsTensor.FromValues<float>(PeftKeys.LoRAB(path), new long[] { outF, r }, new float[outF * r]),
    ];
}
