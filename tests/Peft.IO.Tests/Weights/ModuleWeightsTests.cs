namespace Peft.IO.Tests.Weights;

public sealed class ModuleWeightsTests
{
    [Fact]
    public void LoadsEveryBaseParameterConvertingDTypes()
    {
        var model = new TinyModel<double>();
        var report = model.LoadWeights(Fixtures.Path("base_model.safetensors"));
        using var file = SafetensorsFile.Open(Fixtures.Path("base_model.safetensors"));
        Assert.Equal(7, report.Loaded.Count);
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unused);
        Assert.Equal(file.ReadValues<double>("encoder.fc2.weight"), model.Encoder.Fc2.Weight.Value); // F16
        Assert.Equal(file.ReadValues<double>("head.weight"), model.Head.Weight.Value); // BF16
        Assert.Equal(file.ReadValues<double>("embed.weight"), model.Embed.Weight.Value);
    }

    [Fact]
    public void ShapeMismatchNamesTheTensorAndBothShapes()
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            new TinyModel<float>().SaveWeights(path);
            var other = new WideModel();
            var error = Assert.Throws<InvalidDataException>(() => other.LoadWeights(path));
            Assert.Contains("tensor 'encoder.fc1.weight' has shape [6, 5] but parameter 'encoder.fc1.weight' has shape [6, 7]", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MappingHookRenamesAndSkips()
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            var source = new TinyModel<float>();
            source.Encoder.Fc1.Weight.Value[0] = 42;
            source.SaveWeights(path, SafetensorsDType.F32, p => "model." + p);

            var target = new TinyModel<double>();
            var report = target.LoadWeights(path, p => p.StartsWith("embed", StringComparison.Ordinal) ? null : "model." + p);
            Assert.Equal(42.0, target.Encoder.Fc1.Weight.Value[0]);
            Assert.Equal(6, report.Loaded.Count);
            Assert.Equal(["model.embed.weight"], report.Unused);
            Assert.All(target.Embed.Weight.Value, v => Assert.Equal(0.0, v));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MissingTensorIsAnErrorWhenStrictAndReportedOtherwise()
    {
        var model = new TinyModel<float>();
        var error = Assert.Throws<InvalidDataException>(() => model.LoadWeights(Fixtures.Path("lora/adapter_model.safetensors")));
        Assert.Contains("no tensor 'encoder.fc1.weight' for parameter 'encoder.fc1.weight' [6, 5]", error.Message);
        var report = model.LoadWeights(Fixtures.Path("lora/adapter_model.safetensors"), strict: false);
        Assert.Equal(7, report.Missing.Count);
        Assert.Equal(6, report.Unused.Count);
    }

    [Fact]
    public void AdapterParametersAreNotBaseWeights()
    {
        var model = new TinyModel<float>();
        model.Encoder.Fc1.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            model.SaveWeights(path, SafetensorsDType.BF16);
            using var file = SafetensorsFile.Open(path);
            Assert.DoesNotContain(file.Tensors, t => t.Name.Contains("lora", StringComparison.Ordinal));
            Assert.All(file.Tensors, t => Assert.Equal(SafetensorsDType.BF16, t.DType));
            model.LoadWeights(path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class WideModel : Module
    {
        public WideModel() => RegisterModule("encoder", new WideEncoder());
    }

    private sealed class WideEncoder : Module
    {
        public WideEncoder() => RegisterModule("fc1", new Linear(7, 6));
    }

    [Fact]
    public void SavingAModelWithNoRegisteredParametersIsAnErrorAndWritesNothing()
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            var error = Assert.Throws<InvalidOperationException>(() => new UnregisteredModel().SaveWeights(path));
            Assert.Contains("UnregisteredModel: no base parameters to save", error.Message);
            Assert.Contains("register its layers", error.Message);
            Assert.False(File.Exists(path));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AdapterTensorsAreLeftOutByTheirOwnerWhateverTheirRole()
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            var model = new TinyModel<float>();
            model.Head.AttachMoRA("m", new MoRAOptions { Rank = 1 });
            model.Encoder.Fc1.AttachLoRA("l", new LoRAOptions { Rank = 2 });
            string path = Path.Combine(folder, "model.safetensors");
            model.SaveWeights(path);
            using var file = SafetensorsFile.Open(path);
            Assert.Equal(7, file.Tensors.Count);
            Assert.DoesNotContain(file.Tensors, tensor => tensor.Name.Contains(".m.", StringComparison.Ordinal) || tensor.Name.Contains(".l.", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A layer held in a property but never registered as a child module.</summary>
    private sealed class UnregisteredModel : Module
    {
        public Linear Hidden { get; } = new(4, 3);
    }
}
