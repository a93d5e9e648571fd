using Peft.Models;

namespace Peft.IO.Tests.Peft;

/// <summary>
/// LoRA on embeddings in PEFT's format (<c>lora.Embedding</c>): keys <c>base_model.model.&lt;path&gt;.lora_embedding_A</c>
/// <c>[r, num]</c> and <c>….lora_embedding_B</c> <c>[dim, r]</c> (a ParameterDict, so no <c>.weight</c>), and
/// <c>ΔW = s·(B·A)ᵀ</c> <c>[num, dim]</c> on the table.
/// </summary>
public sealed class PeftEmbeddingLoRATests
{
    private const string EmbedA = "base_model.model.model.embed_tokens.lora_embedding_A";
    private const string EmbedB = "base_model.model.model.embed_tokens.lora_embedding_B";
    private const string QA = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
    private const string QB = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
    private static readonly int[] Ids = [3, 0, 31, 7, 3, 12];

    private static LlamaForCausalLM NewModel() =>
        new(new LlamaConfig { HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2, VocabSize = 32 });

    private static float[] Logits(LlamaForCausalLM model) => model.Forward(Tensor<int>.Wrap([.. Ids], 1, Ids.Length)).ToArray();

    /// <summary>A model with LoRA (r = 4, α = 8) on embed_tokens and q_proj whose factors are all non-zero (A of an embedding starts at zero).</summary>
    private static LlamaForCausalLM Adapted()
    {
        var model = NewModel();
        model.Apply(new AdapterConfig { TargetModules = ["embed_tokens", "q_proj"], Options = new LoRAOptions { Rank = 4, Alpha = 8 } });
        var random = new Random(5);
        foreach (var (path, parameter) in model.NamedParameters())
        {
            if (path.Contains("lora_", StringComparison.Ordinal))
            {
                var values = ((Parameter<float>)parameter).Value;
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(random.NextDouble() - 0.5);
                }
            }
        }

        return model;
    }

    [Fact]
    public void ApplyWrapsTheEmbeddingAndFreezesEverythingElse()
    {
        var model = NewModel();
        var paths = model.Apply(new AdapterConfig { TargetModules = ["embed_tokens", "q_proj"], Options = new LoRAOptions { Rank = 4, Alpha = 8 } });

        Assert.Equal(["model.embed_tokens", "model.layers.0.self_attn.q_proj"], paths);
        var adapter = Assert.IsType<EmbeddingLoRAAdapter<float>>(model.Model.EmbedTokens.Adapter);
        Assert.Equal(2.0, adapter.Scaling);
        Assert.Equal([4, 32], adapter.A.Shape.ToArray());
        Assert.Equal([16, 4], adapter.B.Shape.ToArray());
        var trainable = model.NamedParameters().Where(p => p.Value.Trainable).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "model.embed_tokens.default.lora_embedding_A", "model.embed_tokens.default.lora_embedding_B",
                "model.layers.0.self_attn.q_proj.default.lora_A", "model.layers.0.self_attn.q_proj.default.lora_B",
            ],
            trainable.Select(p => p.Replace(".weight", "", StringComparison.Ordinal)));
        Assert.False(model.Model.EmbedTokens.Weight.Trainable);
    }

    [Fact]
    public void MethodsThatCannotWrapAnEmbeddingAreRejectedByName()
    {
        var model = NewModel();
        var error = Assert.Throws<ArgumentException>(() =>
            model.Apply(new AdapterConfig { TargetModules = ["embed_tokens"], Options = new MoRAOptions { Rank = 4 } }));
        Assert.Contains("'model.embed_tokens' is an Embedding", error.Message);
        Assert.Contains("MoRAOptions", error.Message);
        Assert.Null(model.Model.EmbedTokens.Adapter);
    }

    [Fact]
    public void SaveWritesPeftKeysAndShapesAndReloadGivesTheSameLogits()
    {
        var model = Adapted();
        float[] expected = Logits(model);
        string folder = Fixtures.TemporaryFolder();
        try
        {
            var config = model.SaveAdapter(folder);
            using (var written = PeftAdapterDirectory.Open(folder))
            {
                var shapes = written.Weights.Tensors.ToDictionary(t => t.Name, t => t.ShapeText);
                Assert.Equal(
                    new Dictionary<string, string> { [EmbedA] = "[4, 32]", [EmbedB] = "[16, 4]", [QA] = "[4, 16]", [QB] = "[16, 4]" },
                    shapes);
                Assert.All(written.Weights.Tensors, t => Assert.Equal(SafetensorsDType.F32, t.DType));
                Assert.Equal(4, config.R);
                Assert.Equal(8, config.LoraAlpha);
                Assert.Equal(["embed_tokens", "q_proj"], config.TargetModules!.Names!);
            }

            var reloaded = NewModel();
            Assert.NotEqual(expected, Logits(reloaded));
            reloaded.LoadAdapter(folder);
            Assert.NotNull(reloaded.Model.EmbedTokens.Adapter);
            Assert.Equal(expected, Logits(reloaded));

            // Loading into a model that already has the adapter (same rank and scale) refills it.
            var again = Adapted();
            foreach (var (_, parameter) in again.NamedParameters().Where(p => p.Key.Contains("lora_", StringComparison.Ordinal)))
            {
                Array.Clear(((Parameter<float>)parameter).Value);
            }

            again.LoadAdapter(folder);
            Assert.Equal(expected, Logits(again));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void HandBuiltPeftFileLoadsAsTheTablePlusItsDelta()
    {
        // As PEFT would save LoRA(r=2, lora_alpha=6, target_modules=["embed_tokens"]): s = 3.
        const int r = 2, num = 32, dim = 16;
        const double s = 3.0;
        var random = new Random(11);
        float[] a = [.. Enumerable.Range(0, r * num).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] b = [.. Enumerable.Range(0, dim * r).Select(_ => (float)(random.NextDouble() - 0.5))];
        string folder = Fixtures.WritePeftFolder("""{"peft_type": "LORA", "r": 2, "lora_alpha": 6, "target_modules": ["embed_tokens"], "lora_dropout": 0.0, "bias": "none", "task_type": "CAUSAL_LM", "use_rslora": false, "fan_in_fan_out": false, "init_lora_weights": true, "rank_pattern": {}, "alpha_pattern": {}}""",
            SafetensorsTensor.FromValues<float>(EmbedA, [r, num], a),
            SafetensorsTensor.FromValues<float>(EmbedB, [dim, r], b));
        try
        {
            var model = NewModel();
            model.LoadAdapter(folder);

            // By hand: W'[i, j] = W[i, j] + s·Σₖ B[j, k]·A[k, i]   (ΔW = (B·A)ᵀ·s)
            var reference = NewModel();
            var w = reference.Model.EmbedTokens.Weight.Value;
            for (int i = 0; i < num; i++)
            {
                for (int j = 0; j < dim; j++)
                {
                    double delta = 0;
                    for (int k = 0; k < r; k++)
                    {
                        delta += (double)b[j * r + k] * a[k * num + i];
                    }

                    w[i * dim + j] = (float)(w[i * dim + j] + s * delta);
                }
            }

            AssertClose(Logits(reference), Logits(model), 1e-5);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MergedFileAndMergedModelEqualTheAdaptedForward()
    {
        string folder = Fixtures.TemporaryFolder();
        try
        {
            string basePath = Path.Combine(folder, "base.safetensors");
            string mergedPath = Path.Combine(folder, "merged.safetensors");
            string adapterFolder = Path.Combine(folder, "adapter");
            var model = Adapted();
            float[] expected = Logits(model);

            // Base weights leave the embedding adapter out (it is an adapter module, like a Linear's).
            model.SaveWeights(basePath);
            using (var saved = SafetensorsFile.Open(basePath))
            {
                Assert.Contains(saved.Tensors, t => t.Name == "model.embed_tokens.weight");
                Assert.DoesNotContain(saved.Tensors, t => t.Name.Contains("lora_", StringComparison.Ordinal));
            }

            model.SaveAdapter(adapterFolder);

            var merged = PeftMerger.MergeFiles(basePath, adapterFolder, mergedPath);
            Assert.Equal(["model.embed_tokens", "model.layers.0.self_attn.q_proj"], merged.Order(StringComparer.Ordinal));
            var plain = NewModel();
            plain.LoadWeights(mergedPath);
            AssertClose(expected, Logits(plain), 1e-5);

            model.MergeAdapters();
            Assert.True(model.Model.EmbedTokens.Adapter!.IsMerged);
            AssertClose(expected, Logits(model), 1e-5);
            model.UnmergeAdapters();
            Assert.False(model.Model.EmbedTokens.Adapter!.IsMerged);
            AssertClose(expected, Logits(model), 1e-5);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("A", new[] { 2, 31 }, new[] { 16, 2 }, "'base_model.model.model.embed_tokens.lora_embedding_A' [2, 31] and 'base_model.model.model.embed_tokens.lora_embedding_B' [16, 2], which do not fit Embedding [32, 16] (expected [r, 32] and [16, r])")]
    [InlineData("B", new[] { 2, 32 }, new[] { 15, 2 }, "'base_model.model.model.embed_tokens.lora_embedding_B' [15, 2]")]
    [InlineData("rank", new[] { 2, 32 }, new[] { 16, 3 }, "has lora_embedding_A [2, 32] (expected [r, in]) and lora_embedding_B [16, 3]")]
    public void BadEmbeddingShapesNameTheKeysAndShapes(string which, int[] aShape, int[] bShape, string expected)
    {
        _ = which;
        string folder = Fixtures.WritePeftFolder(Config(2),
            SafetensorsTensor.FromValues<float>(EmbedA, aShape, new float[aShape[0] * aShape[1]]),
            SafetensorsTensor.FromValues<float>(EmbedB, bShape, new float[bShape[0] * bShape[1]]));
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => NewModel().LoadAdapter(folder));
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void UnknownAndMismatchedKeysAreErrorsNamingTheKey()
    {
        var a = SafetensorsTensor.FromValues<float>(EmbedA, [2, 32], new float[64]);
        var b = SafetensorsTensor.FromValues<float>(EmbedB, [16, 2], new float[32]);
        const string unknown = "base_model.model.model.embed_tokens.lora_embedding_C";
        AssertLoadError(
            [a, b, SafetensorsTensor.FromValues<float>(unknown, [2, 2], new float[4])], unknown);

        // lora_embedding_A without its B.
        AssertLoadError([a], $"has {EmbedA} but no {EmbedB}");

        // Embedding tensors on a Linear path, Linear tensors on the embedding.
        AssertLoadError(
            [
                SafetensorsTensor.FromValues<float>("base_model.model.model.layers.0.self_attn.q_proj.lora_embedding_A", [2, 16], new float[32]),
                SafetensorsTensor.FromValues<float>("base_model.model.model.layers.0.self_attn.q_proj.lora_embedding_B", [16, 2], new float[32]),
            ],
            "'model.layers.0.self_attn.q_proj' is a Linear, but the file holds embedding tensors");
        AssertLoadError(
            [
                SafetensorsTensor.FromValues<float>("base_model.model.model.embed_tokens.lora_A.weight", [2, 32], new float[64]),
                SafetensorsTensor.FromValues<float>("base_model.model.model.embed_tokens.lora_B.weight", [16, 2], new float[32]),
            ],
            "'model.embed_tokens' is an embedding (Embedding [32, 16]), but the file holds Linear LoRA weights 'base_model.model.model.embed_tokens.lora_A.weight'");
        AssertLoadError([a, SafetensorsTensor.FromValues<float>("base_model.model.model.embed_tokens.lora_B.weight", [16, 2], new float[32])],
            "module 'model.embed_tokens' mixes lora_A/lora_B weights with lora_embedding_A/lora_embedding_B");
    }

    [Fact]
    public void MergeRejectsAnEmbeddingDeltaOfTheWrongShape()
    {
        string folder = Fixtures.WritePeftFolder(Config(2),
            SafetensorsTensor.FromValues<float>(EmbedA, [2, 32], new float[64]),
            SafetensorsTensor.FromValues<float>(EmbedB, [16, 2], new float[32]));
        try
        {
            string basePath = Path.Combine(folder, "base.safetensors");
            SafetensorsWriter.WriteFile(basePath, [SafetensorsTensor.FromValues<float>("model.embed_tokens.weight", [30, 16], new float[480])]);
            var error = Assert.Throws<InvalidDataException>(() => PeftMerger.MergeFiles(basePath, folder, Path.Combine(folder, "out.safetensors")));
            Assert.Contains($"'{EmbedA}' [2, 32] and '{EmbedB}' [16, 2], which do not fit base 'model.embed_tokens.weight' [30, 16] (expected [r, 30] and [16, r])", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Config(int r) =>
        $$"""{"peft_type": "LORA", "r": {{r}}, "lora_alpha": 4, "target_modules": ["embed_tokens"], "lora_dropout": 0.0, "bias": "none"}""";

    private static void AssertLoadError(SafetensorsTensor[] tensors, string expected)
    {
        string folder = Fixtures.WritePeftFolder(Config(2), tensors);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => NewModel().LoadAdapter(folder));
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"logit {i}: {expected[i]} vs {actual[i]}");
        }
    }
}
