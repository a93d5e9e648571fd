using System.Text.Json;
using Peft.IO;
using Peft.Methods;
using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Conformance;

/// <summary>
/// LoHa and LoKr against numbers they did not compute themselves: <c>Fixtures/{loha,lokr,lokr_factor}</c> and their
/// <c>_reference.safetensors</c> come from our plain-PyTorch restatement of PEFT 0.21's LoHa / LoKr layers
/// (<c>Fixtures/make_lycoris_fixture.py</c>): output, every gradient, the merged weight, the files as PEFT writes them.
/// Also PEFT's factorization, the initialisations, the dropouts, and hostile files and options.
/// </summary>
public sealed class LyCORISReferenceTests
{
    private const int Batch = 3;
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Conformance", "Fixtures");

    public static TheoryData<string, int, int> Folders() => new()
    {
        { "loha", 6, 5 },     // r 2
        { "lokr", 12, 8 },    // W1 [2, 3] = a·b, W2 [4, 4] = a·b (decompose_both, r 1)
        { "lokr_factor", 12, 8 }, // decompose_factor 2: W1 [2, 2], W2 [4, 6], both whole (r 4)
    };

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_PEFT_folder_loads_and_matches_the_torch_reference(string name, int inF, int outF)
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, name + "_reference.safetensors"));
        double[] Read(string key) => reference.ReadValues<double>(key);
        var model = new Holder(inF, outF);
        Read("w0").CopyTo(model.Projection.Weight.Value, 0);
        Read("bias").CopyTo(model.Projection.Bias!.Value, 0);
        model.LoadAdapter(Path.Combine(Fixtures, name), isTrainable: true);
        var adapter = model.Projection.Adapters.Active!;
        Assert.Equal(name.StartsWith("loha", StringComparison.Ordinal) ? typeof(LoHaAdapter<double>) : typeof(LoKrAdapter<double>), adapter.GetType());

        var x = Read("x");
        AssertClose(Read("y"), Forward(model.Projection, x, Batch), 1e-12);
        var dx = new double[Batch * inF];
        model.Projection.Backward(x, Read("dy"), dx, Batch);
        AssertClose(Read("dx"), dx, 1e-12);
        Assert.Equal(reference.Tensors.Select(t => t.Name).Where(k => k.StartsWith("d", StringComparison.Ordinal) && k.Contains('_')).Order(),
            adapter.AdapterParameters.Select(p => "d" + p.Name).Order());
        foreach (var parameter in adapter.AdapterParameters)
        {
            AssertClose(Read("d" + parameter.Name), parameter.Gradient, 1e-12);
        }

        model.Projection.Adapters.Merge();
        AssertClose(Read("merged"), model.Projection.Weight.Value, 1e-12);
        model.Projection.Adapters.Unmerge();
        AssertClose(Read("w0"), model.Projection.Weight.Value, 1e-13);
    }

    /// <summary><c>peft merge</c>'s path (<c>PeftMerger</c>, the format's <c>AddDelta</c>): the torch reference's merged weight.</summary>
    [Theory]
    [MemberData(nameof(Folders))]
    public void Merging_the_folder_into_a_base_file_gives_the_torch_merged_weight(string name, int inF, int outF)
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixtures, name + "_reference.safetensors"));
        using var baseFile = SafetensorsFile.Read(SafetensorsWriter.Serialize(
        [
            SafetensorsTensor.FromValues<double>("proj.weight", [outF, inF], reference.ReadValues<double>("w0"), SafetensorsDType.F64),
            SafetensorsTensor.FromValues<double>("proj.bias", [outF], reference.ReadValues<double>("bias"), SafetensorsDType.F64),
        ]));
        using var adapter = PeftAdapterDirectory.Open(Path.Combine(Fixtures, name));
        var (tensors, merged) = PeftMerger.Merge(baseFile, adapter);
        Assert.Equal(["proj"], merged);
        using var result = SafetensorsFile.Read(SafetensorsWriter.Serialize(tensors));
        AssertClose(reference.ReadValues<double>("merged"), result.ReadValues<double>("proj.weight"), 1e-12);
    }

    /// <summary>Saving writes what PEFT writes: the same keys, shapes and values, and the same config (PEFT's version and auto_mapping aside).</summary>
    [Theory]
    [MemberData(nameof(Folders))]
    public void Saving_writes_the_files_PEFT_writes(string name, int inF, int outF)
    {
        var model = new Holder(inF, outF);
        model.LoadAdapter(Path.Combine(Fixtures, name));
        string folder = Path.Combine(Path.GetTempPath(), "peft-lycoris-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.SaveAdapter(folder);
            using var expected = PeftAdapterDirectory.Open(Path.Combine(Fixtures, name));
            using var actual = PeftAdapterDirectory.Open(folder);
            Assert.Equal(expected.Weights.Tensors.Select(t => t.Name).Order(), actual.Weights.Tensors.Select(t => t.Name).Order());
            foreach (var tensor in expected.Weights.Tensors)
            {
                Assert.Equal(tensor.ShapeText, actual.Weights.GetTensor(tensor.Name).ShapeText);
                AssertClose(expected.Weights.ReadValues<double>(tensor.Name), actual.Weights.ReadValues<double>(tensor.Name), 0);
            }

            var peft = Fields(File.ReadAllText(Path.Combine(Fixtures, name, PeftAdapterDirectory.ConfigFileName)));
            var ours = Fields(File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)));
            foreach (string carried in new[] { "auto_mapping", "peft_version" })
            {
                // PEFT's own bookkeeping: this library does not write it, and keeps it from a loaded file.
                peft.Remove(carried);
                ours.Remove(carried);
            }

            Assert.Equal(peft.Keys.Order(), ours.Keys.Order());
            foreach (var (key, value) in peft)
            {
                Assert.True(JsonElement.DeepEquals(value, ours[key]), $"{key}: PEFT {value.GetRawText()}, ours {ours[key].GetRawText()}");
            }
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        static Dictionary<string, JsonElement> Fields(string json) =>
            JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    /// <summary>PEFT's docstring examples of <c>factorization</c> and the splits this library's docs name.</summary>
    [Theory]
    [InlineData(256, -1, 16, 16)]
    [InlineData(128, -1, 8, 16)]
    [InlineData(127, -1, 1, 127)]
    [InlineData(128, 4, 4, 32)]
    [InlineData(128, 32, 32, 4)]   // a dividing factor is taken as is, not ordered
    [InlineData(128, 5, 4, 32)]    // a factor that does not divide caps the search
    [InlineData(1024, -1, 32, 32)]
    [InlineData(768, -1, 24, 32)]
    [InlineData(11008, -1, 86, 128)]
    [InlineData(13, -1, 1, 13)]
    public void Factorization_is_PEFTs(int dimension, int factor, int m, int n) =>
        Assert.Equal((m, n), LoKrMethod.Factorization(dimension, factor));

    [Fact]
    public void LoKr_decomposes_as_PEFT_at_1024_rank_8()
    {
        var layer = new Linear<float>(1024, 1024);
        var lokr = layer.AttachLoKr("default", new LoKrOptions { Rank = 8 });
        Assert.Equal(new LoKrShape(32, 32, 32, 32), lokr.Shape);
        Assert.False(lokr.DecomposesW1);
        Assert.True(lokr.DecomposesW2);
        Assert.Equal(["lokr_w1 [32, 32]", "lokr_w2_a [32, 8]", "lokr_w2_b [8, 32]"], lokr.AdapterParameters.Select(p => $"{p.Name} {p.ShapeText}"));
    }

    [Theory]
    [InlineData("loha-default")]
    [InlineData("lokr-default")]
    [InlineData("lokr-lycoris")]
    [InlineData("lokr-both-default")]
    [InlineData("lokr-both-lycoris")]
    public void A_new_adapter_leaves_the_layer_unchanged_with_Kaiming_bounds(string kind)
    {
        var layer = new Linear<double>(24, 20, random: new Random(3));
        var x = Random(Batch * 24, 4);
        var before = Forward(layer, x, Batch);
        Adapter<double> adapter = kind switch
        {
            "loha-default" => layer.AttachLoHa("a", new LoHaOptions { Rank = 3, Seed = 5 }),
            "lokr-default" => layer.AttachLoKr("a", new LoKrOptions { Rank = 1, Seed = 5 }),
            "lokr-lycoris" => layer.AttachLoKr("a", new LoKrOptions { Rank = 1, Seed = 5, Init = LoKrInit.LyCORIS }),
            "lokr-both-default" => layer.AttachLoKr("a", new LoKrOptions { Rank = 1, Seed = 5, DecomposeBoth = true }),
            _ => layer.AttachLoKr("a", new LoKrOptions { Rank = 1, Seed = 5, DecomposeBoth = true, Init = LoKrInit.LyCORIS }),
        };
        AssertClose(before, Forward(layer, x, Batch), 0);
        foreach (var parameter in adapter.AdapterParameters)
        {
            double bound = 1 / Math.Sqrt(parameter.Shape[1]);
            Assert.All(parameter.Value, v => Assert.InRange(Math.Abs(v), 0, bound));
        }

        // Exactly one parameter is zero (the one PEFT zeroes); the others are drawn.
        Assert.Single(adapter.AdapterParameters, p => p.Value.All(v => v == 0));
    }

    [Fact]
    public void Random_init_starts_with_a_nonzero_update()
    {
        var loha = new Linear<double>(24, 20).AttachLoHa("a", new LoHaOptions { Rank = 2, InitWeights = false });
        var lokr = new Linear<double>(24, 20).AttachLoKr("a", new LoKrOptions { Rank = 2, Init = LoKrInit.Random });
        foreach (Adapter<double> adapter in new Adapter<double>[] { loha, lokr })
        {
            var delta = new double[20 * 24];
            adapter.ComputeDeltaWeight(delta);
            Assert.Contains(delta, d => d != 0);
        }
    }

    /// <summary>
    /// Rank dropout in training: output row o gets <c>mask[o]·Δ(x)[o]</c>, the same for every item, mask ∈ {0, out/kept}
    /// (LoHa divides by the mean; LoKr only with RankDropoutScale, else {0, 1}). Evaluation mode never drops.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void Rank_dropout_drops_whole_output_rows(bool loha, bool scale)
    {
        const int inF = 12, outF = 10;
        var layer = new Linear<double>(inF, outF, random: new Random(1));
        Adapter<double> adapter = loha
            ? layer.AttachLoHa("a", new LoHaOptions { Rank = 2, RankDropout = 0.4, InitWeights = false, Seed = 3 })
            : layer.AttachLoKr("a", new LoKrOptions { Rank = 2, RankDropout = 0.4, RankDropoutScale = scale, Init = LoKrInit.Random, Seed = 3 });
        var x = Random(Batch * inF, 2);
        var delta = new double[outF * inF];
        adapter.ComputeDeltaWeight(delta);
        var full = Dense(x, delta, null, Batch, inF, outF);
        double[] baseOutput;
        using (layer.Adapters.Disable())
        {
            baseOutput = Forward(layer, x, Batch);
        }

        var y = Forward(layer, x, Batch);
        var factors = new double[outF];
        for (int o = 0; o < outF; o++)
        {
            factors[o] = (y[o] - baseOutput[o]) / full[o];
            for (int n = 1; n < Batch; n++)
            {
                Assert.Equal(factors[o] * full[n * outF + o], y[n * outF + o] - baseOutput[n * outF + o], 1e-12);
            }
        }

        int kept = factors.Count(f => Math.Abs(f) > 0.5);
        Assert.InRange(kept, 1, outF - 1);
        double keep = loha || scale ? (double)outF / kept : 1.0;
        Assert.All(factors, f => Assert.True(Math.Abs(f) < 1e-9 || Math.Abs(f - keep) < 1e-9, $"row factor {f}, expected 0 or {keep}"));

        layer.Eval();
        AssertClose(baseOutput.Zip(full, (b, d) => b + d).ToArray(), Forward(layer, x, Batch), 1e-12);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Module_dropout_skips_the_whole_adapter_in_some_training_forwards(bool loha)
    {
        var layer = new Linear<double>(12, 10, random: new Random(1));
        Adapter<double> adapter = loha
            ? layer.AttachLoHa("a", new LoHaOptions { Rank = 2, ModuleDropout = 0.5, InitWeights = false })
            : layer.AttachLoKr("a", new LoKrOptions { Rank = 2, ModuleDropout = 0.5, Init = LoKrInit.Random });
        var x = Random(Batch * 12, 2);
        double[] baseOutput;
        using (layer.Adapters.Disable())
        {
            baseOutput = Forward(layer, x, Batch);
        }

        layer.Eval();
        var adapted = Forward(layer, x, Batch);
        layer.Train();
        int skipped = 0;
        for (int i = 0; i < 40; i++)
        {
            var y = Forward(layer, x, Batch);
            bool isBase = y.Zip(baseOutput).All(p => Math.Abs(p.First - p.Second) < 1e-12);
            Assert.True(isBase || y.Zip(adapted).All(p => Math.Abs(p.First - p.Second) < 1e-12));
            skipped += isBase ? 1 : 0;

            // A skipped forward contributes no gradient.
            layer.ZeroGradients();
            layer.Backward(x, Random(Batch * 10, i), Span<double>.Empty, Batch);
            Assert.Equal(isBase, adapter.AdapterParameters.All(p => p.Gradient.All(g => g == 0)));
        }

        Assert.InRange(skipped, 5, 35);
    }

    [Fact]
    public void Options_that_PEFT_would_split_otherwise_are_refused_naming_the_field()
    {
        var layer = new Linear<double>(784, 256);
        var error = Assert.Throws<ArgumentException>(() => layer.AttachLoKr("a", new LoKrOptions { DecomposeFactor = 5 }));
        Assert.Equal("DecomposeFactor", error.ParamName);
        Assert.Contains("Linear [256, 784]", error.Message);
        Assert.Contains("must divide in = 784 and out = 256", error.Message);
        Assert.Throws<ArgumentException>(() => layer.AttachLoKr("a", new LoKrOptions { DecomposeFactor = 0 }));
        Assert.Equal("RankDropout", Assert.Throws<ArgumentException>(() => layer.AttachLoHa("a", new LoHaOptions { RankDropout = 1 })).ParamName);
        Assert.Equal("ModuleDropout", Assert.Throws<ArgumentException>(() => layer.AttachLoKr("a", new LoKrOptions { ModuleDropout = double.NaN })).ParamName);
        Assert.Equal("Alpha", Assert.Throws<ArgumentException>(() => layer.AttachLoHa("a", new LoHaOptions { Alpha = double.PositiveInfinity })).ParamName);
        Assert.Equal("Rank", Assert.Throws<ArgumentException>(() => layer.AttachLoKr("a", new LoKrOptions { Rank = 0 })).ParamName);
        Assert.Empty(layer.Adapters);
    }

    [Fact]
    public void A_kernel_for_another_geometry_is_refused()
    {
        var layer = new Linear<double>(12, 8);
        var error = Assert.Throws<ArgumentException>(() =>
            layer.AttachLoKr("a", new LoKrOptions(), new RuntimeLoKrKernel<double>(new LoKrShape(2, 4, 2, 6))));
        Assert.Contains("W1 [2, 2] ⊗ W2 [4, 6]", error.Message);
        Assert.Contains("W1 [2, 3] ⊗ W2 [4, 4]", error.Message);
        Assert.Contains("rank r² = 4", Assert.Throws<ArgumentException>(() =>
            layer.AttachLoHa("b", new LoHaOptions { Rank = 2 }, new RuntimeLoRAKernel<double>(2))).Message);
    }

    /// <summary>Hostile folders: every error names the file, the module, the key and the shapes.</summary>
    [Theory]
    [InlineData("lokr", "missing", "needs either lokr_w2 or both lokr_w2_a and lokr_w2_b")]
    [InlineData("lokr", "factor", "decompose_factor 4")]
    [InlineData("lokr", "rank", "with r = 2 in the config")]
    [InlineData("lokr", "init", "field 'init_weights' is \"gaussian\", expected true, false or \"lycoris\"")]
    [InlineData("loha", "rank", "with r = 3 in the config")]
    [InlineData("loha", "missing", "has no base_model.model.proj.hada_w2_b")]
    [InlineData("loha", "dropout", "field 'rank_dropout' is \"high\", expected a number")]
    public void Hostile_folders_fail_with_errors_that_name_the_problem(string name, string damage, string expected)
    {
        string folder = Copy(name);
        try
        {
            string configPath = Path.Combine(folder, PeftAdapterDirectory.ConfigFileName);
            string config = File.ReadAllText(configPath);
            string weightsPath = Path.Combine(folder, PeftAdapterDirectory.WeightsFileName);
            switch (damage)
            {
                case "missing":
                    using (var weights = SafetensorsFile.Open(weightsPath))
                    {
                        string drop = name == "loha" ? "hada_w2_b" : "lokr_w2_b";
                        var kept = weights.Tensors.Where(t => !t.Name.EndsWith(drop, StringComparison.Ordinal))
                            .Select(t => SafetensorsTensor.FromValues<float>(t.Name, t.Shape, weights.ReadValues<float>(t.Name))).ToList();
                        File.WriteAllBytes(weightsPath + ".new", SafetensorsWriter.Serialize(kept));
                    }

                    File.Move(weightsPath + ".new", weightsPath, overwrite: true);
                    break;
                case "factor":
                    File.WriteAllText(configPath, config.Replace("\"decompose_factor\": -1", "\"decompose_factor\": 4", StringComparison.Ordinal));
                    break;
                case "rank":
                    File.WriteAllText(configPath, config.Replace("\"r\": 1", "\"r\": 2", StringComparison.Ordinal).Replace("\"r\": 2,", name == "loha" ? "\"r\": 3," : "\"r\": 2,", StringComparison.Ordinal));
                    break;
                case "init":
                    File.WriteAllText(configPath, config.Replace("\"init_weights\": true", "\"init_weights\": \"gaussian\"", StringComparison.Ordinal));
                    break;
                case "dropout":
                    File.WriteAllText(configPath, config.Replace("\"rank_dropout\": 0.0", "\"rank_dropout\": \"high\"", StringComparison.Ordinal));
                    break;
            }

            var error = Assert.ThrowsAny<InvalidDataException>(() =>
            {
                var model = name == "loha" ? new Holder(6, 5) : new Holder(12, 8);
                model.LoadAdapter(folder);
            });
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_folder_for_another_layer_shape_is_refused_naming_tensor_and_shapes()
    {
        var error = Assert.Throws<InvalidDataException>(() => new Holder(7, 5).LoadAdapter(Path.Combine(Fixtures, "loha")));
        Assert.Contains("hada_w1_b is [2, 6]", error.Message);
        Assert.Contains("Linear [5, 7]", error.Message);
        Assert.Contains("[2, 7]", error.Message);
        error = Assert.Throws<InvalidDataException>(() => new Holder(12, 6).LoadAdapter(Path.Combine(Fixtures, "lokr_factor")));
        Assert.Contains("lokr_w2 is [4, 6], but LoKrAdapter 'default' on Linear [6, 12] (W1 [2, 2] ⊗ W2 [3, 6] = [6, 12]) needs [3, 6]", error.Message);
    }

    /// <summary>The runtime path: <c>Apply</c> by target names, each layer its own draws, and PEFT save → load keeps the outputs.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Apply_by_target_names_then_save_and_load(bool loha)
    {
        AdapterOptions options = loha ? new LoHaOptions { Rank = 2, Alpha = 4, InitWeights = false } : new LoKrOptions { Rank = 2, Alpha = 4, Init = LoKrInit.Random };
        var model = new Pair();
        Assert.Equal(["q", "v"], model.Apply(new AdapterConfig { Options = options, TargetModules = ["q", "v"] }).Order());
        var q = model.Q.Adapters.Active!;
        var v = model.V.Adapters.Active!;
        Assert.NotEqual(q.AdapterParameters[0].Value, v.AdapterParameters[0].Value);
        model.Eval();
        var x = Random(Batch * 12, 3);
        var expected = Forward(model.Q, x, Batch).Concat(Forward(model.V, x, Batch)).ToArray();

        string folder = Path.Combine(Path.GetTempPath(), "peft-lycoris-apply-" + Guid.NewGuid().ToString("N"));
        try
        {
            model.SaveAdapter(folder, dtype: SafetensorsDType.F64);
            Assert.Contains(loha ? "\"peft_type\": \"LOHA\"" : "\"peft_type\": \"LOKR\"", File.ReadAllText(Path.Combine(folder, PeftAdapterDirectory.ConfigFileName)));
            var loaded = new Pair();
            loaded.LoadAdapter(folder);
            loaded.Eval();
            AssertClose(expected, Forward(loaded.Q, x, Batch).Concat(Forward(loaded.V, x, Batch)).ToArray(), 1e-15);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string Copy(string name)
    {
        string folder = Path.Combine(Path.GetTempPath(), "peft-lycoris-hostile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(Path.Combine(Fixtures, name)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    /// <summary>Two 12 → 8 layers of the same shape, <c>q</c> and <c>v</c>.</summary>
    private sealed class Pair : Module
    {
        public Pair()
        {
            Q = RegisterModule("q", new Linear<double>(12, 8, random: new Random(1)));
            V = RegisterModule("v", new Linear<double>(12, 8, random: new Random(2)));
        }

        public Linear<double> Q { get; }

        public Linear<double> V { get; }
    }

    /// <summary>A model holding one layer at path <c>proj</c>, as the fixtures' PEFT files name it.</summary>
    private sealed class Holder : Module
    {
        public Holder(int inF, int outF) => Projection = RegisterModule("proj", new Linear<double>(inF, outF, random: new Random(9)));

        public Linear<double> Projection { get; }
    }
}
