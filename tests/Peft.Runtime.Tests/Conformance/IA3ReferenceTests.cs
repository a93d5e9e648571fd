using Peft.IO;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Conformance;

/// <summary>
/// IA³ against numbers it did not compute itself: <c>Fixtures/ia3_reference.safetensors</c> and the adapter folder
/// <c>Fixtures/ia3</c> come from our plain-PyTorch restatement of PEFT 0.21's IA³ (<c>Fixtures/make_ia3_fixture.py</c>): a
/// layer scaled on the output and a feed-forward layer scaled on the input (<c>feedforward_modules</c>), the output, every
/// gradient with the base trained, the merged weights and biases; the saved file's config and keys; broken files.
/// </summary>
public sealed class IA3ReferenceTests
{
    private const int Batch = 3;
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Conformance", "Fixtures");

    [Fact]
    public void A_PEFT_IA3_folder_loads_and_matches_the_torch_reference_on_output_and_input()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "ia3_reference.safetensors"));
        var model = new Block();
        foreach (var (path, layer) in model.Layers)
        {
            reference.ReadValues<double>(path + ".w0").CopyTo(layer.Weight.Value, 0);
            reference.ReadValues<double>(path + ".bias").CopyTo(layer.Bias!.Value, 0);
        }

        var config = model.LoadAdapter(Path.Combine(Fixtures, "ia3"), isTrainable: true);
        Assert.Equal("IA3", config.PeftType);
        Assert.False(((IA3Adapter<double>)model.Key.Adapters.Active!).Options.FeedForward);
        Assert.True(((IA3Adapter<double>)model.Up.Adapters.Active!).Options.FeedForward);
        foreach (var (path, layer) in model.Layers)
        {
            var ia3 = Assert.IsType<IA3Adapter<double>>(layer.Adapters.Active);
            layer.IsFrozen = false;
            double[] Read(string name) => reference.ReadValues<double>(path + "." + name);
            var x = Read("x");
            AssertClose(Read("y"), Forward(layer, x, Batch), 1e-12);
            var dx = new double[x.Length];
            layer.Backward(x, Read("dy"), dx, Batch);
            AssertClose(Read("dx"), dx, 1e-12);
            AssertClose(Read("dl"), ia3.Scale.Gradient, 1e-12);
            AssertClose(Read("dw0"), layer.Weight.Gradient, 1e-12);
            AssertClose(Read("dbias"), layer.Bias!.Gradient, 1e-12);
            layer.Adapters.Merge();
            AssertClose(Read("merged"), layer.Weight.Value, 1e-12);
            AssertClose(Read("merged_bias"), layer.Bias.Value, 1e-12);
            layer.Adapters.Unmerge();
            AssertClose(Read("w0"), layer.Weight.Value, 1e-13);
            AssertClose(Read("bias"), layer.Bias.Value, 1e-13);
        }
    }

    [Fact]
    public void Merging_the_folder_into_a_base_file_scales_weights_and_the_output_layers_bias()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "ia3_reference.safetensors"));
        var tensors = new List<SafetensorsTensor>();
        foreach (var (path, layer) in new Block().Layers)
        {
            tensors.Add(SafetensorsTensor.FromValues<double>(path + ".weight", [layer.OutFeatures, layer.InFeatures], reference.ReadValues<double>(path + ".w0"), SafetensorsDType.F64));
            tensors.Add(SafetensorsTensor.FromValues<double>(path + ".bias", [layer.OutFeatures], reference.ReadValues<double>(path + ".bias"), SafetensorsDType.F64));
        }

        using var baseFile = SafetensorsFile.Read(SafetensorsWriter.Serialize(tensors));
        using var adapter = PeftAdapterDirectory.Open(Path.Combine(Fixtures, "ia3"));
        var (merged, modules) = PeftMerger.Merge(baseFile, adapter);
        Assert.Equal(["attn.k_proj", "mlp.w1"], modules.Order());
        using var result = SafetensorsFile.Read(SafetensorsWriter.Serialize(merged));
        foreach (string path in new[] { "attn.k_proj", "mlp.w1" })
        {
            AssertClose(reference.ReadValues<double>(path + ".merged"), result.ReadValues<double>(path + ".weight"), 1e-12);
            AssertClose(reference.ReadValues<double>(path + ".merged_bias"), result.ReadValues<double>(path + ".bias"), 1e-12);
        }
    }

    [Fact]
    public void Saving_writes_PEFTs_IA3_config_and_keys()
    {
        var model = new Block();
        model.Key.AttachIA3("default", new IA3Options());
        model.Up.AttachIA3("default", new IA3Options { FeedForward = true });
        string folder = Path.Combine(Path.GetTempPath(), "peft-ia3-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.SaveAdapter(folder);
            var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "ia3", PeftAdapterDirectory.ConfigFileName))).RootElement;
            var written = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName))).RootElement;
            Assert.Equal(expected.EnumerateObject().Select(p => p.Name), written.EnumerateObject().Select(p => p.Name));
            Assert.Equal("IA3", written.GetProperty("peft_type").GetString());
            Assert.Equal(["mlp.w1"], written.GetProperty("feedforward_modules").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["attn.k_proj", "mlp.w1"], written.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
            Assert.True(written.GetProperty("init_ia3_weights").GetBoolean());

            using var saved = PeftAdapterDirectory.Open(folder);
            using var fixture = PeftAdapterDirectory.Open(Path.Combine(Fixtures, "ia3"));
            Assert.Equal(fixture.Weights.Tensors.Select(t => (t.Name, t.ShapeText)).Order(), saved.Weights.Tensors.Select(t => (t.Name, t.ShapeText)).Order());
            Assert.Equal("  module mlp.w1: ia3_l [1, 5], scales the input", saved.DescribeModule(saved.Modules.Single(m => m.ModulePath == "mlp.w1")));
            Assert.Equal("method: IA³, feedforward_modules [mlp.w1]", saved.DescribeMethod());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_scale_shaped_for_the_other_side_is_refused_naming_the_tensor()
    {
        string folder = Path.Combine(Path.GetTempPath(), "peft-ia3-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = PeftAdapterConfig.Parse(File.ReadAllText(Path.Combine(Fixtures, "ia3", PeftAdapterDirectory.ConfigFileName)));
            PeftAdapterDirectory.Write(folder, config, [SafetensorsTensor.FromValues<float>("base_model.model.mlp.w1.ia3_l", [7, 1], new float[7])]);
            var error = Assert.Throws<InvalidDataException>(() => PeftAdapterDirectory.Open(folder));
            Assert.Contains("'base_model.model.mlp.w1.ia3_l' is [7, 1]", error.Message);
            Assert.Contains("in feedforward_modules", error.Message);

            PeftAdapterDirectory.Write(folder, config, [SafetensorsTensor.FromValues<float>("base_model.model.attn.k_proj.ia3_l", [4, 1], new float[4])]);
            error = Assert.Throws<InvalidDataException>(() => new Block().LoadAdapter(folder));
            Assert.Contains("is [4, 1], which does not fit Linear [5, 6] (expected [5, 1])", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_zero_scale_cannot_be_unmerged()
    {
        var layer = new Linear<double>(4, 3);
        var ia3 = layer.AttachIA3("default", new IA3Options());
        ia3.Scale.Value[1] = 0;
        layer.Adapters.Merge();
        Assert.Contains("ia3_l[1] is 0", Assert.Throws<InvalidOperationException>(() => layer.Adapters.Unmerge()).Message);
    }

    /// <summary>An attention projection scaled on the output (<c>attn.k_proj</c>, 6 → 5) and a feed-forward layer (<c>mlp.w1</c>, 5 → 7).</summary>
    private sealed class Block : Module
    {
        public Block()
        {
            var attention = RegisterModule("attn", new Container());
            var mlp = RegisterModule("mlp", new Container());
            Key = attention.Add("k_proj", new Linear<double>(6, 5));
            Up = mlp.Add("w1", new Linear<double>(5, 7));
        }

        public Linear<double> Key { get; }

        public Linear<double> Up { get; }

        public IEnumerable<(string Path, Linear<double> Layer)> Layers => [("attn.k_proj", Key), ("mlp.w1", Up)];
    }

    private sealed class Container : Module
    {
        public Linear<double> Add(string name, Linear<double> layer) => RegisterModule(name, layer);
    }
}
