namespace Peft.IO.Tests.Peft;

/// <summary>
/// Compatibility with the spec-built fixtures (NOT written by PEFT itself; see Fixtures/make_fixtures.py):
/// merging and loading here reproduce the merged weights and forward outputs computed in PyTorch.
/// </summary>
public sealed class PeftFixtureTests
{
    public static TheoryData<string> Adapters() => new() { "lora", "rslora", "mora1", "mora6" };

    [Theory]
    [MemberData(nameof(Adapters))]
    public void MergeReproducesTheReferenceWeights(string adapter)
    {
        using var baseFile = SafetensorsFile.Open(Fixtures.Path("base_model.safetensors"));
        using var peft = PeftAdapterDirectory.Open(Fixtures.Path(adapter));
        using var expected = SafetensorsFile.Open(Fixtures.Path($"merged_{adapter}.safetensors"));
        var (tensors, merged) = PeftMerger.Merge(baseFile, peft);
        using var actual = SafetensorsFile.Read(SafetensorsWriter.Serialize(tensors, baseFile.Metadata));

        Assert.Equal(peft.Modules.Select(m => m.ModulePath).Order(), merged.Order());
        Assert.Equal(expected.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)), actual.Tensors.Select(t => (t.Name, t.DType, t.ShapeText)));
        foreach (var tensor in expected.Tensors)
        {
            bool isMerged = merged.Any(path => path + ".weight" == tensor.Name);
            if (!isMerged)
            {
                Assert.True(expected.GetBytes(tensor).SequenceEqual(actual.GetBytes(tensor.Name)), $"{tensor.Name} changed");
                continue;
            }

            // Formed in double, rounded once to the tensor's dtype: within one unit in the last place.
            double[] want = expected.ReadValues<double>(tensor.Name);
            double[] got = actual.ReadValues<double>(tensor.Name);
            double[] before = baseFile.ReadValues<double>(tensor.Name);
            Assert.False(want.SequenceEqual(before), $"{tensor.Name}: the fixture's delta is zero");
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Math.Abs(want[i] - got[i]) <= Fixtures.Ulp(want[i], tensor.DType),
                    $"{adapter} {tensor.Name}[{i}]: expected {want[i]}, got {got[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Adapters))]
    public void LoadedAdapterReproducesTheReferenceForward(string adapter)
    {
        var model = new TinyModel<double>();
        model.LoadWeights(Fixtures.Path("base_model.safetensors"));
        var config = model.LoadAdapter(Fixtures.Path(adapter));
        Assert.Equal(adapter.StartsWith("mora", StringComparison.Ordinal), config.IsMoRA);

        using var io = SafetensorsFile.Open(Fixtures.Path($"io_{adapter}.safetensors"));
        double[] x = io.ReadValues<double>("x");
        double[] want = io.ReadValues<double>("y");
        var y = new double[want.Length];
        model.Encoder.Fc1.Forward(x, y, batch: 2);
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(Math.Abs(want[i] - y[i]) <= 1e-12 * (1 + Math.Abs(want[i])), $"{adapter} y[{i}]: expected {want[i]}, got {y[i]}");
        }
    }

    [Theory]
    [InlineData("base_model.safetensors")]
    [InlineData("merged_mora6.safetensors")]
    [InlineData("io_lora.safetensors")]
    [InlineData("rslora/adapter_model.safetensors")]
    [InlineData("mora1/adapter_model.safetensors")]
    public void OurWriterReproducesTheIndependentlyWrittenFixtureBytes(string name)
    {
        // make_fixtures.py lays files out per the reference writer; rewriting them here gives the same bytes.
        byte[] bytes = File.ReadAllBytes(Fixtures.Path(name));
        using var file = SafetensorsFile.Read(bytes, name);
        var tensors = file.Tensors.Select(t => SafetensorsTensor.FromBytes(t.Name, t.DType, t.Shape, file.GetMemory(t)));
        Assert.Equal(bytes, SafetensorsWriter.Serialize(tensors, file.Metadata.Count > 0 ? file.Metadata : null));
    }

    [Fact]
    public void RsLoRAUsesAlphaOverSqrtRankWithPatterns()
    {
        using var peft = PeftAdapterDirectory.Open(Fixtures.Path("rslora"));
        var config = peft.Config;
        Assert.True(config.UseRsLoRA);
        Assert.Equal(8 / Math.Sqrt(4), config.ScaleFor("encoder.fc1", 4));
        Assert.Equal(16 / Math.Sqrt(4), config.ScaleFor("encoder.fc2", 4)); // alpha_pattern "fc2"
        Assert.Equal(2, config.RankFor("head")); // rank_pattern "head"
        Assert.Equal(4, config.RankFor("encoder.fc1"));
        Assert.Equal(2, peft.Modules.Single(m => m.ModulePath == "head").Rank);
    }

    [Fact]
    public void MoRAStoresTheSameSquareMatrixUnderBothKeys()
    {
        using var peft = PeftAdapterDirectory.Open(Fixtures.Path("mora6"));
        Assert.Equal(MoRAType.RoPE, peft.Config.MoraType);
        Assert.Equal(MoRAType.RoPE, peft.Config.GetMoRAType());
        var fc1 = peft.Modules.Single(m => m.ModulePath == "encoder.fc1");
        Assert.Equal("[6, 6]", fc1.A.ShapeText);
        Assert.True(peft.Weights.GetBytes(fc1.A).SequenceEqual(peft.Weights.GetBytes(fc1.B)));
    }
}
