using System.Text.Json;

namespace Peft.IO.Tests.Peft;

public sealed class PeftAdapterRoundTripTests
{
    [Theory]
    [InlineData("lora")]
    [InlineData("rslora")]
    [InlineData("mora1")]
    [InlineData("mora6")]
    public void SavedAdapterHoldsTheLoadedTensorsAndReloads(string adapter)
    {
        var model = new TinyModel<float>();
        model.LoadWeights(Fixtures.Path("base_model.safetensors"));
        var loaded = model.LoadAdapter(Fixtures.Path(adapter));
        string folder = Fixtures.TemporaryFolder();
        try
        {
            var saved = model.SaveAdapter(folder, template: loaded);
            using var original = PeftAdapterDirectory.Open(Fixtures.Path(adapter));
            using var written = PeftAdapterDirectory.Open(folder);

            // Same keys, shapes and bit-identical F32 values.
            Assert.Equal(original.Weights.Tensors.Select(t => t.Name).Order(), written.Weights.Tensors.Select(t => t.Name).Order());
            foreach (var tensor in original.Weights.Tensors)
            {
                Assert.True(original.Weights.GetBytes(tensor).SequenceEqual(written.Weights.GetBytes(tensor.Name)), tensor.Name);
            }

            foreach (var module in original.Modules)
            {
                if (!original.Config.IsMoRA)
                {
                    Assert.Equal(original.Config.ScaleFor(module.ModulePath, module.Rank), written.Config.ScaleFor(module.ModulePath, module.Rank), 12);
                }

                Assert.Equal(original.Config.RankFor(module.ModulePath), written.Config.RankFor(module.ModulePath));
            }

            Assert.Equal(original.Config.IsMoRA, saved.IsMoRA);
            Assert.Equal(original.Config.LoraAlpha, saved.LoraAlpha);
            Assert.Equal(original.Config.MoraType, saved.MoraType);
            Assert.Equal("peft-generators/tiny-fixture", saved.BaseModelNameOrPath);

            // A fresh model loading the saved directory computes the same outputs.
            var again = new TinyModel<float>();
            again.LoadWeights(Fixtures.Path("base_model.safetensors"));
            again.LoadAdapter(folder);
            float[] x = [0.5f, -1, 2, 0.25f, 3];
            var y1 = new float[6];
            var y2 = new float[6];
            model.Encoder.Fc1.Forward(x, y1, 1);
            again.Encoder.Fc1.Forward(x, y2, 1);
            Assert.Equal(y1, y2);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ConfigKeepsUnknownFieldsAndPeftSpellings()
    {
        string json = File.ReadAllText(Fixtures.Path("lora/adapter_config.json"));
        var config = PeftAdapterConfig.Parse(json);
        Assert.Equal(2, config.R);
        Assert.Equal(4, config.LoraAlpha);
        Assert.Equal(["fc1", "fc2", "head"], config.TargetModules!.Names!);
        Assert.True(config.TargetModules.Matches("encoder.fc1"));
        Assert.False(config.TargetModules.Matches("encoder.xfc1"));
        Assert.Equal("FEATURE_EXTRACTION", config.TaskType);
        Assert.Equal("true", config.InitLoraWeights);
        Assert.Null(config.UseMora);

        using var written = JsonDocument.Parse(config.ToJson());
        using var source = JsonDocument.Parse(json);
        foreach (var property in source.RootElement.EnumerateObject())
        {
            Assert.True(written.RootElement.TryGetProperty(property.Name, out var value), $"lost field {property.Name}");
            if (property.Value.ValueKind is not (JsonValueKind.Number or JsonValueKind.Object))
            {
                Assert.Equal(property.Value.GetRawText(), value.GetRawText());
            }
        }

        Assert.False(written.RootElement.TryGetProperty("use_mora", out _));
        Assert.Equal("megatron.core", written.RootElement.GetProperty("megatron_core").GetString());
    }

    [Fact]
    public void TargetModulesAsARegexAndInitAsAString()
    {
        var config = PeftAdapterConfig.Parse("{\"target_modules\": \".*fc[12]\", \"init_lora_weights\": \"gaussian\", \"r\": 4}");
        Assert.True(config.TargetModules!.Matches("encoder.fc2"));
        Assert.False(config.TargetModules.Matches("head"));
        Assert.Equal("gaussian", config.InitLoraWeights);
        string json = config.ToJson();
        Assert.Contains("\"target_modules\": \".*fc[12]\"", json);
        Assert.Contains("\"init_lora_weights\": \"gaussian\"", json);
    }

    [Fact]
    public void DifferentRanksAndAlphasBecomePatterns()
    {
        var model = new TinyModel<double>();
        model.Encoder.Fc1.AttachLoRA("default", new LoRAOptions { Rank = 2, Alpha = 4 });
        model.Encoder.Fc2.AttachLoRA("default", new LoRAOptions { Rank = 2, Alpha = 4 });
        model.Head.AttachLoRA("default", new LoRAOptions { Rank = 3, Alpha = 6 });
        string folder = Fixtures.TemporaryFolder();
        try
        {
            var config = model.SaveAdapter(folder);
            Assert.Equal(2, config.R);
            Assert.Equal(4, config.LoraAlpha);
            Assert.Equal(new Dictionary<string, int> { ["head"] = 3 }, config.RankPattern);
            Assert.Equal(new Dictionary<string, double> { ["head"] = 6 }, config.AlphaPattern);
            Assert.Equal(["encoder.fc1", "encoder.fc2", "head"], config.TargetModules!.Names!);
            var fresh = new TinyModel<double>();
            fresh.LoadAdapter(folder);
            Assert.Equal(2.0, ((LoRAAdapter<double>)fresh.Head.Adapters["default"]).Scale);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
