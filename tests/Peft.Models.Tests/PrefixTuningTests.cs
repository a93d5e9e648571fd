using System.Text.Json;
using Peft.Tests.Testing;

namespace Peft.Models.Tests;

/// <summary>Prefix tuning (PEFT's PREFIX_TUNING, P-tuning v2 without the projection) on the Llama models: forward, gradients, files, errors.</summary>
public sealed class PrefixTuningTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peft-prefix-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    // Grouped-query: 4 heads over 2 kv heads of dim 4, so PEFT's token_dim is 8 (= hidden here) and the prefix row 2 layers × 2 × 8.
    private static LlamaConfig Tiny(int hidden = 8) => new()
    {
        ModelType = "llama", HiddenSize = hidden, IntermediateSize = 12, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, HeadDim = 4, VocabSize = 11, MaxPositionEmbeddings = 16, RmsNormEps = 1e-5,
    };

    [Fact]
    public void A_prefix_holding_the_cache_of_real_tokens_gives_the_logits_of_those_tokens_followed_by_the_ids()
    {
        // PEFT's layout (row t: layer l's key at [2l·W, (2l+1)·W), its value after it) and positions T + s, checked against
        // the base model itself: run tokens u through it, copy its cache into the prefix, and the ids must continue u exactly.
        var model = new LlamaForCausalLM<double>(Tiny(hidden: 12), seed: 1);
        int[] u = [3, 7, 1], ids = [5, 9, 2, 4];
        var expected = model.Forward(Tensor<int>.Wrap([.. u, .. ids], 1, 7)).ToArray()[(3 * 11)..];

        var cache = model.CreateCache(1, 3);
        model.Forward(Tensor<int>.Wrap(u, 1, 3), cache: cache);
        var tuned = new PrefixTunedCausalLM<double>(model, new PrefixTuningOptions { NumVirtualTokens = 3 });
        var prefix = tuned.Encoder.Embedding.Weight.Value;
        int width = tuned.TokenDim, heads = 2, dim = 4;
        Assert.Equal(8, width);
        for (int l = 0; l < 2; l++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int t = 0; t < 3; t++)
                {
                    for (int d = 0; d < dim; d++)
                    {
                        int cached = (h * 3 + t) * dim + d, row = t * 4 * width + h * dim + d;
                        prefix[row + 2 * l * width] = cache.Keys(l)[cached];
                        prefix[row + (2 * l + 1) * width] = cache.Values(l)[cached];
                    }
                }
            }
        }

        var logits = tuned.Forward(Tensor<int>.Wrap(ids, 1, 4)).ToArray();
        Assert.Equal(4 * 11, logits.Length);
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.Equal(expected[i], logits[i], 1e-12);
        }
    }

    [Fact]
    public void Forward_equals_the_base_model_continuing_a_cache_that_holds_the_prefix()
    {
        var tuned = new PrefixTunedCausalLM<double>(new LlamaForCausalLM<double>(Tiny(), seed: 2), new PrefixTuningOptions { NumVirtualTokens = 3, Seed = 4 });
        var ids = Tensor<int>.Wrap([1, 5, 9, 3, 2, 7], 2, 3);
        var trained = tuned.Forward(ids).ToArray();
        var cached = tuned.Forward(ids, cache: tuned.BaseModel.CreateCache(2, 6)).ToArray();
        Assert.Equal(trained.Length, cached.Length);
        for (int i = 0; i < trained.Length; i++)
        {
            Assert.Equal(trained[i], cached[i], 1e-12);
        }

        // An all-ones mask changes nothing; the prefix changes the logits.
        Assert.Equal(trained, tuned.Forward(ids, new AttentionMask(Tensor<int>.Wrap([1, 1, 1, 1, 1, 1], 2, 3))).ToArray());
        Assert.NotEqual(trained, tuned.BaseModel.Forward(ids).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Only_the_prefix_trains_and_its_gradient_matches_finite_differences(bool projection)
    {
        var tuned = new PrefixTunedCausalLM<double>(new LlamaForCausalLM<double>(Tiny(), seed: 3),
            new PrefixTuningOptions { NumVirtualTokens = 2, PrefixProjection = projection, EncoderHiddenSize = 5, Seed = 4 });
        var trainable = tuned.NamedParameters().Where(p => p.Value.Trainable).Select(p => p.Key).ToArray();
        Assert.Equal(projection
            ? ["prompt_encoder.embedding.weight", "prompt_encoder.transform.0.weight", "prompt_encoder.transform.0.bias", "prompt_encoder.transform.2.weight", "prompt_encoder.transform.2.bias"]
            : ["prompt_encoder.embedding.weight"], trainable);

        // Right padding in the second row: the mask reaches the attention behind the prefix's ones.
        var ids = Tensor<int>.Wrap([1, 5, 9, 3, 2, 7, 4, 0], 2, 4);
        var mask = new AttentionMask(Tensor<int>.Wrap([1, 1, 1, 1, 1, 1, 1, 0], 2, 4));
        var labels = Tensor<int>.Wrap([5, 9, 3, 2, 7, 4, -100, -100], 2, 4);
        var loss = new CausalLMLoss<double>();
        double Loss() => loss.Forward(tuned.Forward(ids, mask), labels);

        tuned.ZeroGradients();
        Loss();
        tuned.Backward(loss.Backward());
        foreach (var (name, parameter) in tuned.NamedParameters<double>().Where(p => p.Value.Trainable))
        {
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, name);
            Assert.Contains(parameter.Gradient, g => g != 0);
        }
    }

    [Fact]
    public void Greedy_generation_with_the_cache_equals_full_recomputation_behind_the_prefix()
    {
        var tuned = new PrefixTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 8), new PrefixTuningOptions { NumVirtualTokens = 2, Seed = 3 });
        var options = new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [] };
        int[] generated = tuned.Generate([1, 5, 9], options);

        var sequence = new List<int> { 1, 5, 9 };
        for (int step = 0; step < 6; step++)
        {
            var last = tuned.Forward(Tensor<int>.Wrap([.. sequence], 1, sequence.Count)).Span[^11..];
            int token = 0;
            for (int v = 1; v < 11; v++)
            {
                token = last[v] > last[token] ? v : token;
            }

            Assert.Equal(token, generated[step]);
            sequence.Add(token);
        }

        var tooLong = new GenerationOptions { MaxNewTokens = 12 };
        Assert.Contains("2 virtual + 3 prompt + 12 new tokens exceed", Assert.Throws<ArgumentException>(() => tuned.Generate([1, 5, 9], tooLong)).Message);
    }

    [Fact]
    public void Save_writes_PEFT_files_and_FromPretrained_reads_them_back_frozen()
    {
        var tuned = new PrefixTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 6), new PrefixTuningOptions { NumVirtualTokens = 3, Seed = 2 });
        tuned.Save(_folder);

        using (var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder, "adapter_config.json"))))
        {
            var root = config.RootElement;
            var keys = root.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
            Assert.Equal("PREFIX_TUNING", root.GetProperty("peft_type").GetString());
            Assert.Equal(8, root.GetProperty("token_dim").GetInt32());
            Assert.Equal(2, root.GetProperty("num_attention_heads").GetInt32());
            Assert.Equal(2, root.GetProperty("num_layers").GetInt32());
            Assert.Equal(8, root.GetProperty("encoder_hidden_size").GetInt32());
            Assert.False(root.GetProperty("prefix_projection").GetBoolean());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("init_weights").ValueKind);
        }

        using (var weights = Peft.IO.SafetensorsFile.Open(Path.Combine(_folder, "adapter_model.safetensors")))
        {
            Assert.Equal(["prompt_embeddings"], weights.Tensors.Select(t => t.Name));
            Assert.Equal([3L, 32L], weights.Tensors.Single().Shape.ToArray());
        }

        Assert.True(PrefixTunedCausalLM<float>.IsPrefixTuningAdapter(_folder));
        Assert.False(PromptTunedCausalLM<float>.IsPromptTuningAdapter(_folder));
        var ids = Tensor<int>.Wrap([1, 5, 9], 1, 3);
        var loaded = PrefixTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 6), _folder);
        Assert.Equal(tuned.Forward(ids).ToArray(), loaded.Forward(ids).ToArray());
        Assert.DoesNotContain(loaded.NamedParameters(), p => p.Value.Trainable);
        Assert.True(PrefixTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 6), _folder, isTrainable: true).Encoder.Embedding.Weight.Trainable);
    }

    [Fact]
    public void A_projected_prefix_saves_its_output_and_loads_for_inference_only()
    {
        var tuned = new PrefixTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 6),
            new PrefixTuningOptions { NumVirtualTokens = 2, PrefixProjection = true, EncoderHiddenSize = 6, Seed = 1 });
        Assert.True(tuned.IsProjected);
        tuned.Save(_folder);
        var ids = Tensor<int>.Wrap([1, 5, 9], 1, 3);
        var loaded = PrefixTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 6), _folder);
        Assert.False(loaded.IsProjected);
        Assert.True(loaded.Options.PrefixProjection);
        Assert.Equal(6, loaded.Options.EncoderHiddenSize);
        Assert.Equal(tuned.PrefixValues(), loaded.PrefixValues());
        Assert.Equal(tuned.Forward(ids).ToArray(), loaded.Forward(ids).ToArray());

        var error = Assert.Throws<InvalidDataException>(() => PrefixTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 6), _folder, isTrainable: true));
        Assert.Contains("prefix_projection is true", error.Message);
    }

    [Fact]
    public void Zero_initialisation_starts_every_key_and_value_at_zero()
    {
        foreach (bool projection in new[] { false, true })
        {
            var tuned = new PrefixTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 6),
                new PrefixTuningOptions { NumVirtualTokens = 2, PrefixProjection = projection, Init = PrefixTuningInit.Zero });
            Assert.All(tuned.PrefixValues(), v => Assert.Equal(0f, v));
        }
    }

    [Theory]
    [InlineData("token_dim", "16", "token_dim is 16, but the model's key/value width")]
    [InlineData("num_layers", "3", "num_layers is 3, but the model's num_hidden_layers is 2")]
    [InlineData("num_attention_heads", "4", "num_attention_heads is 4, but the model's num_key_value_heads is 2")]
    [InlineData("num_virtual_tokens", "4", "'prompt_embeddings' is [3, 32], expected [4, 32]")]
    [InlineData("peft_type", "\"PROMPT_TUNING\"", "peft_type is PROMPT_TUNING, expected PREFIX_TUNING")]
    [InlineData("init_weights", "\"gaussian\"", "init_weights 'gaussian'")]
    public void A_config_that_does_not_fit_the_model_is_a_clear_error(string field, string value, string message)
    {
        new PrefixTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 6), new PrefixTuningOptions { NumVirtualTokens = 3 }).Save(_folder);
        string path = Path.Combine(_folder, "adapter_config.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        node[field] = System.Text.Json.Nodes.JsonNode.Parse(value);
        File.WriteAllText(path, node.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => PrefixTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 6), _folder));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Bad_options_and_inputs_name_what_is_wrong()
    {
        var model = new LlamaForCausalLM<float>(Tiny(), seed: 6);
        Assert.Contains("num_virtual_tokens must be positive", Assert.Throws<ArgumentException>(() => new PrefixTunedCausalLM<float>(model, new PrefixTuningOptions { NumVirtualTokens = 0 })).Message);
        Assert.Contains("encoder_hidden_size must be positive",
            Assert.Throws<ArgumentException>(() => new PrefixTunedCausalLM<float>(model, new PrefixTuningOptions { PrefixProjection = true, EncoderHiddenSize = -1 })).Message);
        var tuned = new PrefixTunedCausalLM<float>(model, new PrefixTuningOptions { NumVirtualTokens = 10 });
        Assert.Contains("1 to 6 tokens", Assert.Throws<ArgumentException>(() => tuned.Forward(new Tensor<int>(1, 7))).Message);
        Assert.Contains("expected [1, 3] over the real tokens",
            Assert.Throws<ArgumentException>(() => tuned.Forward(new Tensor<int>(1, 3), new AttentionMask(new Tensor<int>(1, 13)))).Message);
        Assert.Contains("needs a preceding Forward without a cache", Assert.Throws<InvalidOperationException>(() => tuned.Backward(new Tensor<float>(1, 3, 11))).Message);
    }

    [Fact]
    public void A_steady_state_training_step_allocates_nothing()
    {
        var tuned = new PrefixTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 6),
            new PrefixTuningOptions { NumVirtualTokens = 3, PrefixProjection = true });
        var ids = Tensor<int>.Wrap([1, 5, 9, 3, 2, 7], 2, 3);
        var gradient = new Tensor<float>(2, 3, 11);
        gradient.Span.Fill(1e-3f);
        void Step()
        {
            tuned.Forward(ids);
            tuned.Backward(gradient);
        }

        Assert.Equal(0, ThreadAllocations.CleanestWindow(Step, calls: 3));
    }
}
