using Peft.IO;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Conformance;

/// <summary>
/// VeRA against numbers it did not compute itself: <c>Fixtures/vera_reference.safetensors</c> and the adapter folder
/// <c>Fixtures/vera</c> come from our plain-PyTorch restatement of PEFT 0.21's VeRA (<c>Fixtures/make_vera_fixture.py</c>):
/// the shared projections drawn bit for bit from torch's generator, the output and every gradient of two layers of
/// different shapes slicing one pair of projections, the merged weights, the saved file's config and keys, and clear
/// errors for broken files.
/// </summary>
public sealed class VeRAReferenceTests
{
    private const int Rank = 3, Key = 7, Batch = 4;
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Conformance", "Fixtures");

    [Theory]
    [InlineData(7, 3, 6, 9, "")]
    [InlineData(0, 4, 13, 7, "key0.")]
    [InlineData(123456, 8, 300, 17, "key123456.")]
    public void Projections_are_torchs_values_bit_for_bit(int key, int rank, int maxIn, int maxOut, string prefix)
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "vera_reference.safetensors"));
        var projections = VeRAProjections.Create(rank, maxIn, maxOut, key);
        Assert.Equal(reference.ReadValues<float>(prefix + "vera_A"), projections.A<float>());
        Assert.Equal(reference.ReadValues<float>(prefix + "vera_B"), projections.B<float>());
        Assert.Same(projections, VeRAProjections.Create(rank, maxIn, maxOut, key));
    }

    [Fact]
    public void A_PEFT_VeRA_folder_loads_and_matches_the_torch_reference_for_both_layers()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "vera_reference.safetensors"));
        var model = new Pair();
        foreach (var (path, layer) in model.Layers)
        {
            reference.ReadValues<double>(path + ".w0").CopyTo(layer.Weight.Value, 0);
            reference.ReadValues<double>(path + ".bias").CopyTo(layer.Bias!.Value, 0);
        }

        var config = model.LoadAdapter(Path.Combine(Fixtures, "vera"), isTrainable: true);
        Assert.Equal("VERA", config.PeftType);
        var shared = ((VeRAAdapter<double>)model.Encoder.Adapters.Active!).Projections;
        foreach (var (path, layer) in model.Layers)
        {
            var vera = Assert.IsType<VeRAAdapter<double>>(layer.Adapters.Active);
            Assert.Same(shared, vera.Projections);
            double[] Read(string name) => reference.ReadValues<double>(path + "." + name);
            var x = Read("x");
            AssertClose(Read("y"), Forward(layer, x, Batch), 1e-12);
            var dx = new double[x.Length];
            layer.Backward(x, Read("dy"), dx, Batch);
            AssertClose(Read("dx"), dx, 1e-12);
            AssertClose(Read("dlambda_b"), vera.LambdaB.Gradient, 1e-12);
            AssertClose(Read("dlambda_d"), vera.LambdaD.Gradient, 1e-12);
            layer.Adapters.Merge();
            AssertClose(Read("merged"), layer.Weight.Value, 1e-12);
            layer.Adapters.Unmerge();
            AssertClose(Read("w0"), layer.Weight.Value, 1e-13);
        }
    }

    [Fact]
    public void Merging_the_folder_into_a_base_file_gives_the_torch_merged_weights()
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, "vera_reference.safetensors"));
        var baseBytes = SafetensorsWriter.Serialize(new Pair().Layers.Select(l =>
            SafetensorsTensor.FromValues<double>(l.Path + ".weight", [l.Layer.OutFeatures, l.Layer.InFeatures], reference.ReadValues<double>(l.Path + ".w0"), SafetensorsDType.F64)));
        using var baseFile = SafetensorsFile.Read(baseBytes);
        using var adapter = PeftAdapterDirectory.Open(Path.Combine(Fixtures, "vera"));
        var (tensors, merged) = PeftMerger.Merge(baseFile, adapter);
        Assert.Equal(["dec", "enc"], merged.Order());
        using var result = SafetensorsFile.Read(SafetensorsWriter.Serialize(tensors));
        AssertClose(reference.ReadValues<double>("enc.merged"), result.ReadValues<double>("enc.weight"), 1e-12);
        AssertClose(reference.ReadValues<double>("dec.merged"), result.ReadValues<double>("dec.weight"), 1e-12);
    }

    [Fact]
    public void Apply_shares_one_pair_of_projections_sized_to_the_largest_layer_and_saves_PEFTs_file()
    {
        var model = new Pair();
        model.Apply(new AdapterConfig { Options = new VeRAOptions { Rank = Rank, ProjectionPrngKey = Key }, TargetModules = ["enc", "dec"] });
        var encoder = (VeRAAdapter<double>)model.Encoder.Adapters.Active!;
        var decoder = (VeRAAdapter<double>)model.Decoder.Adapters.Active!;
        Assert.Same(encoder.Projections, decoder.Projections);
        Assert.Equal((6, 9), (encoder.Projections.MaxInFeatures, encoder.Projections.MaxOutFeatures));
        Assert.All(decoder.LambdaB.Value, v => Assert.Equal(0.0, v));
        Assert.All(decoder.LambdaD.Value, v => Assert.Equal(0.1, v));

        string folder = Path.Combine(Path.GetTempPath(), "peft-vera-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.SaveAdapter(folder);
            var expected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "vera", PeftAdapterDirectory.ConfigFileName)));
            var written = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)));
            Assert.Equal(expected.RootElement.EnumerateObject().Select(p => p.Name), written.RootElement.EnumerateObject().Select(p => p.Name));
            foreach (string field in new[] { "peft_type", "r", "projection_prng_key", "save_projection", "d_initial", "vera_dropout", "init_weights" })
            {
                Assert.Equal(expected.RootElement.GetProperty(field).GetRawText(), written.RootElement.GetProperty(field).GetRawText());
            }

            using var saved = PeftAdapterDirectory.Open(folder);
            using var fixture = PeftAdapterDirectory.Open(Path.Combine(Fixtures, "vera"));
            Assert.Equal(fixture.Weights.Tensors.Select(t => (t.Name, t.ShapeText)).Order(), saved.Weights.Tensors.Select(t => (t.Name, t.ShapeText)).Order());
            Assert.Equal(fixture.Weights.ReadValues<float>(VeRAPeftFormat.ProjectionAKey), saved.Weights.ReadValues<float>(VeRAPeftFormat.ProjectionAKey));
            Assert.Equal(fixture.Weights.ReadValues<float>(VeRAPeftFormat.ProjectionBKey), saved.Weights.ReadValues<float>(VeRAPeftFormat.ProjectionBKey));
            Assert.Empty(saved.OtherTensors);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Without_saved_projections_loading_draws_them_from_the_key_for_the_models_layers()
    {
        string folder = CopyFixture();
        try
        {
            var config = PeftAdapterConfig.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)));
            config.SetField("save_projection", false);
            using (var full = PeftAdapterDirectory.Open(Path.Combine(Fixtures, "vera")))
            {
                PeftAdapterDirectory.Write(folder, config, full.Modules.SelectMany(m => m.Tensors.Values)
                    .Select(t => SafetensorsTensor.FromValues<float>(t.Name, t.Shape.ToArray(), full.Weights.ReadValues<float>(t.Name))).ToList());
            }

            var model = new Pair();
            model.LoadAdapter(folder);
            var projections = ((VeRAAdapter<double>)model.Decoder.Adapters.Active!).Projections;
            Assert.Same(VeRAProjections.Create(Rank, 6, 9, Key), projections);
            Assert.Contains("cannot be merged on its own", Assert.Throws<InvalidDataException>(() =>
                PeftMerger.Merge(SafetensorsFile.Read(SafetensorsWriter.Serialize(
                    [SafetensorsTensor.FromValues<double>("enc.weight", [5, 6], new double[30], SafetensorsDType.F64),
                     SafetensorsTensor.FromValues<double>("dec.weight", [9, 4], new double[36], SafetensorsDType.F64)])), PeftAdapterDirectory.Open(folder))).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("drop:base_model.model.enc.vera_lambda_d", "has base_model.model.enc.vera_lambda_b but no base_model.model.enc.vera_lambda_d")]
    [InlineData("drop:base_model.vera_B", "no base_model.vera_B")]
    [InlineData("r:2", "'base_model.model.dec.vera_lambda_d' is [3], but r = 2")]
    [InlineData("shape:base_model.model.enc.vera_lambda_b", "expected a non-empty 1-D vector")]
    public void Broken_files_are_refused_naming_the_tensor(string change, string message)
    {
        string folder = CopyFixture();
        try
        {
            var config = PeftAdapterConfig.Parse(File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)));
            string[] parts = change.Split(':');
            if (parts[0] == "r")
            {
                config.R = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            }

            using (var full = PeftAdapterDirectory.Open(Path.Combine(Fixtures, "vera")))
            {
                var tensors = full.Weights.Tensors.Where(t => !(parts[0] == "drop" && t.Name == parts[1])).Select(t =>
                    parts[0] == "shape" && t.Name == parts[1]
                        ? SafetensorsTensor.FromValues<float>(t.Name, [1, (int)t.Shape[0]], full.Weights.ReadValues<float>(t.Name))
                        : SafetensorsTensor.FromValues<float>(t.Name, t.Shape.ToArray(), full.Weights.ReadValues<float>(t.Name))).ToList();
                PeftAdapterDirectory.Write(folder, config, tensors);
            }

            Assert.Contains(message, Assert.Throws<InvalidDataException>(() => new Pair().LoadAdapter(folder)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_layer_wider_than_the_projections_is_refused_naming_the_shapes()
    {
        var layer = new Linear<double>(20, 9);
        var error = Assert.Throws<ArgumentException>(() =>
            layer.AttachVeRA("default", new VeRAOptions { Rank = 3, Projections = VeRAProjections.Create(3, 6, 9, 0) }));
        Assert.Contains("vera_A [3, 6]", error.Message);
        Assert.Contains("Linear [9, 20]", error.Message);
    }

    private static string CopyFixture()
    {
        string folder = Path.Combine(Path.GetTempPath(), "peft-vera-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(Path.Combine(Fixtures, "vera")))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    /// <summary>Two layers of different shapes (6 → 5 at <c>enc</c>, 4 → 9 at <c>dec</c>): the projections are [3, 6] and [9, 3].</summary>
    private sealed class Pair : Module
    {
        public Pair()
        {
            Encoder = RegisterModule("enc", new Linear<double>(6, 5));
            Decoder = RegisterModule("dec", new Linear<double>(4, 9));
        }

        public Linear<double> Encoder { get; }

        public Linear<double> Decoder { get; }

        public IEnumerable<(string Path, Linear<double> Layer)> Layers => [("enc", Encoder), ("dec", Decoder)];
    }
}
