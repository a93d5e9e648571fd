namespace Peft.IO.Tests.Peft;

/// <summary>PEFT's modules_to_save in adapter files: keys base_model.model.&lt;path&gt;.weight / .bias, loaded into the named module.</summary>
public sealed class PeftModulesToSaveTests
{
    private const string Config = """{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["fc1"], "modules_to_save": MODULES, "bias": "none"}""";

    private static SafetensorsTensor[] Tensors(long[] headWeightShape)
    {
        float[] Values(long n, float start) => [.. Enumerable.Range(0, (int)n).Select(i => start + 0.01f * i)];
        return
        [
            SafetensorsTensor.FromValues<float>("base_model.model.encoder.fc1.lora_A.weight", [2, 5], Values(10, 0.1f)),
            SafetensorsTensor.FromValues<float>("base_model.model.encoder.fc1.lora_B.weight", [6, 2], Values(12, -0.2f)),
            SafetensorsTensor.FromValues<float>("base_model.model.head.weight", headWeightShape, Values(headWeightShape[0] * headWeightShape[1], 1f)),
            SafetensorsTensor.FromValues<float>("base_model.model.head.bias", [3], Values(3, 2f)),
        ];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ModuleToSaveLoadsAsATrainedCopyBesideItsOriginal(bool isTrainable)
    {
        string folder = Fixtures.WritePeftFolder(Config.Replace("MODULES", """["head"]"""), Tensors([3, 4]));
        try
        {
            var model = new TinyModel<float>();
            float[] originalWeight = (float[])model.Head.Weight.Value.Clone();
            model.LoadAdapter(folder, isTrainable: isTrainable);

            Assert.Equal(Enumerable.Range(0, 12).Select(i => 1f + 0.01f * i), model.Head.Weight.Value);
            Assert.Equal([2f, 2.01f, 2.02f], model.Head.Bias!.Value);
            var original = model.NamedParameters<float>().ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal(originalWeight, original["head.original_module.weight"].Value);
            Assert.False(original["head.original_module.weight"].Trainable);

            // Inference mode (is_trainable=False) freezes everything; otherwise the adapter and the copy train.
            string[] trainable = [.. original.Where(p => p.Value.Trainable).Select(p => p.Key).Order(StringComparer.Ordinal)];
            Assert.Equal(isTrainable ? ["encoder.fc1.default.lora_A", "encoder.fc1.default.lora_B", "head.bias", "head.weight"] : [], trainable);
            Assert.Equal(!isTrainable, !model.IsTraining);

            // Saved again: the same keys and values, modules_to_save as the file had it.
            string again = Fixtures.TemporaryFolder();
            try
            {
                var config = model.SaveAdapter(again);
                Assert.Equal(["head"], config.ModulesToSave!);
                using var written = PeftAdapterDirectory.Open(again);
                using var source = PeftAdapterDirectory.Open(folder);
                Assert.Equal(source.Weights.Tensors.Select(t => t.Name).Order(), written.Weights.Tensors.Select(t => t.Name).Order());
                foreach (var tensor in source.Weights.Tensors)
                {
                    Assert.Equal(source.Weights.ReadValues<float>(tensor.Name), written.Weights.ReadValues<float>(tensor.Name));
                }
            }
            finally
            {
                Directory.Delete(again, recursive: true);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("null", "tensor 'base_model.model.head.bias' is no LoRA tensor and belongs to no module of modules_to_save [] (the config lists none)")]
    [InlineData("""["embed"]""", "belongs to no module of modules_to_save [embed]")]
    public void TensorOfNoModuleToSaveIsAnError(string modules, string message)
    {
        string folder = Fixtures.WritePeftFolder(Config.Replace("MODULES", modules), Tensors([3, 4]));
        try
        {
            Assert.Contains(message, Assert.Throws<InvalidDataException>(() => new TinyModel<float>().LoadAdapter(folder)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MisshapedModuleToSaveTensorIsAnErrorThatChangesNothing()
    {
        string folder = Fixtures.WritePeftFolder(Config.Replace("MODULES", """["head"]"""), Tensors([4, 3]));
        try
        {
            var model = new TinyModel<float>();
            var error = Assert.Throws<InvalidDataException>(() => model.LoadAdapter(folder));
            Assert.Contains("tensor 'base_model.model.head.weight' is F32 [4, 3], but parameter 'head.weight' is [3, 4]", error.Message);
            Assert.False(model.Encoder.Fc1.HasAdapters);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
