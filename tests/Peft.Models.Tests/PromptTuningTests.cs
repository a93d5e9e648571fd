using System.Text.Json;
using Peft.Tests.Testing;

namespace Peft.Models.Tests;

/// <summary>Prompt tuning (PEFT's PROMPT_TUNING) on the Llama models: forward, gradients, files, errors.</summary>
public sealed class PromptTuningTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peft-prompt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static LlamaConfig Tiny(int hidden = 8) => new()
    {
        ModelType = "llama", HiddenSize = hidden, IntermediateSize = 12, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, HeadDim = 4, VocabSize = 11, MaxPositionEmbeddings = 16, RmsNormEps = 1e-5,
    };

    [Fact]
    public void Forward_runs_the_base_model_on_the_prompt_followed_by_the_token_embeddings()
    {
        var tuned = new PromptTunedCausalLM<double>(new LlamaForCausalLM<double>(Tiny(), seed: 1), new PromptTuningOptions { NumVirtualTokens = 3, Seed = 2 });
        var ids = Tensor<int>.Wrap([1, 5, 9, 3, 2, 7], 2, 3);
        var logits = tuned.Forward(ids).ToArray();
        Assert.Equal([2, 6, 11], tuned.BaseModel.ForwardEmbeddings(Concatenated(tuned, ids)).Shape.ToArray());

        var expected = tuned.BaseModel.ForwardEmbeddings(Concatenated(tuned, ids)).ToArray();
        Assert.Equal(expected, logits);

        // An all-ones mask over the real tokens changes nothing.
        var mask = new AttentionMask(Tensor<int>.Wrap([1, 1, 1, 1, 1, 1], 2, 3));
        Assert.Equal(expected, tuned.Forward(ids, mask).ToArray());
    }

    [Fact]
    public void Only_the_prompt_trains_and_its_gradient_matches_finite_differences()
    {
        var tuned = new PromptTunedCausalLM<double>(new LlamaForCausalLM<double>(Tiny(), seed: 3), new PromptTuningOptions { NumVirtualTokens = 2, Seed = 4 });
        var trainable = tuned.NamedParameters().Where(p => p.Value.Trainable).Select(p => p.Key).ToArray();
        Assert.Equal(["prompt_embeddings"], trainable);

        var ids = Tensor<int>.Wrap([1, 5, 9, 3, 2, 7, 4, 4], 2, 4);
        var labels = tuned.PrefixLabels(Tensor<int>.Wrap([5, 9, 3, 2, 7, 4, 4, 1], 2, 4));
        Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(CausalLMLoss<double>.IgnoreIndex, labels.Span[i]));
        var loss = new CausalLMLoss<double>();
        double Loss() => loss.Forward(tuned.Forward(ids), labels);

        tuned.ZeroGradients();
        Loss();
        tuned.Backward(loss.Backward());
        FiniteDifference.CheckInPlace(tuned.PromptEmbeddings.Value, Loss, tuned.PromptEmbeddings.Gradient, "prompt_embeddings");
        Assert.Contains(tuned.PromptEmbeddings.Gradient, g => g != 0);
    }

    [Fact]
    public void Greedy_generation_with_the_cache_equals_full_recomputation_with_the_prompt_in_front()
    {
        var tuned = new PromptTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 8), new PromptTuningOptions { NumVirtualTokens = 2, Seed = 3 });
        var options = new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [] };
        int[] generated = tuned.Generate([1, 5, 9], options);

        // Without a cache: the whole sequence again each step, the virtual tokens in front, argmax of the last row.
        var sequence = new List<int> { 1, 5, 9 };
        var expected = new List<int>();
        for (int step = 0; step < 6; step++)
        {
            var logits = tuned.Forward(Tensor<int>.Wrap([.. sequence], 1, sequence.Count)).Span;
            var last = logits[^11..];
            int token = 0;
            for (int v = 1; v < 11; v++)
            {
                token = last[v] > last[token] ? v : token;
            }

            expected.Add(token);
            sequence.Add(token);
        }

        Assert.Equal(expected, generated);
        var tooLong = new GenerationOptions { MaxNewTokens = 12 };
        Assert.Contains("2 virtual + 3 prompt + 12 new tokens exceed", Assert.Throws<ArgumentException>(() => tuned.Generate([1, 5, 9], tooLong)).Message);
    }

    [Fact]
    public void Text_and_vocabulary_initialisations_copy_embedding_rows()
    {
        var model = new LlamaForCausalLM<float>(Tiny(), seed: 5);
        var table = model.Model.EmbedTokens.Weight.Value;
        var fromText = new PromptTunedCausalLM<float>(model,
            new PromptTuningOptions { NumVirtualTokens = 5, Init = PromptTuningInit.Text, InitText = "two tokens" }, _ => [4, 9]);

        // PEFT repeats the text's ids and cuts them to length: 4, 9, 4, 9, 4.
        int[] expected = [4, 9, 4, 9, 4];
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(table.AsSpan(expected[i] * 8, 8).ToArray(), fromText.PromptEmbeddings.Value.AsSpan(i * 8, 8).ToArray());
        }

        var sampled = new PromptTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 5),
            new PromptTuningOptions { NumVirtualTokens = 4, Init = PromptTuningInit.SampleVocab, Seed = 1 });
        for (int i = 0; i < 4; i++)
        {
            var row = sampled.PromptEmbeddings.Value.AsSpan(i * 8, 8).ToArray();
            Assert.Contains(Enumerable.Range(0, 11), id => table.AsSpan(id * 8, 8).SequenceEqual(row));
        }
    }

    [Fact]
    public void Save_writes_PEFT_files_and_FromPretrained_reads_them_back_frozen()
    {
        var tuned = new PromptTunedCausalLM<float>(new LlamaForCausalLM<float>(Tiny(), seed: 6),
            new PromptTuningOptions { NumVirtualTokens = 3, Init = PromptTuningInit.Text, InitText = "hi", TokenizerNameOrPath = "tiny" }, _ => [2]);
        tuned.Save(_folder);

        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder, "adapter_config.json")));
        var keys = config.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal("PROMPT_TUNING", config.RootElement.GetProperty("peft_type").GetString());
        Assert.Equal("TEXT", config.RootElement.GetProperty("prompt_tuning_init").GetString());
        Assert.Equal(3, config.RootElement.GetProperty("num_virtual_tokens").GetInt32());
        Assert.Equal(8, config.RootElement.GetProperty("token_dim").GetInt32());
        Assert.Equal("CAUSAL_LM", config.RootElement.GetProperty("task_type").GetString());
        using (var weights = Peft.IO.SafetensorsFile.Open(Path.Combine(_folder, "adapter_model.safetensors")))
        {
            Assert.Equal(["prompt_embeddings"], weights.Tensors.Select(t => t.Name));
        }

        var loaded = PromptTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 6), _folder);
        Assert.Equal(tuned.PromptEmbeddings.Value, loaded.PromptEmbeddings.Value);
        Assert.False(loaded.PromptEmbeddings.Trainable);
        Assert.Equal("hi", loaded.Options.InitText);
        Assert.True(PromptTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 6), _folder, isTrainable: true).PromptEmbeddings.Trainable);
    }

    [Fact]
    public void Bad_options_and_foreign_folders_are_refused_by_name()
    {
        var model = new LlamaForCausalLM<float>(Tiny(), seed: 7);
        Assert.Contains("num_virtual_tokens", Assert.Throws<ArgumentException>(() => new PromptTunedCausalLM<float>(model, new PromptTuningOptions { NumVirtualTokens = 0 })).Message);
        Assert.Contains("tokenizer", Assert.Throws<ArgumentException>(() => new PromptTunedCausalLM<float>(model,
            new PromptTuningOptions { Init = PromptTuningInit.Text, InitText = "x" })).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => new PromptTunedCausalLM<float>(model,
            new PromptTuningOptions { Init = PromptTuningInit.Text, InitText = "x" }, _ => [11])).Message);

        new PromptTunedCausalLM<float>(model, new PromptTuningOptions { NumVirtualTokens = 2 }).Save(_folder);
        var wider = Tiny(hidden: 16);
        Assert.Contains("token_dim is 8", Assert.Throws<InvalidDataException>(() =>
            PromptTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(wider, seed: 1), _folder)).Message);

        string configPath = Path.Combine(_folder, "adapter_config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("PROMPT_TUNING", "LORA", StringComparison.Ordinal));
        Assert.Contains("peft_type is LORA", Assert.Throws<InvalidDataException>(() =>
            PromptTunedCausalLM<float>.FromPretrained(new LlamaForCausalLM<float>(Tiny(), seed: 1), _folder)).Message);
    }

    private static Tensor<double> Concatenated(PromptTunedCausalLM<double> tuned, Tensor<int> ids)
    {
        int batch = ids.Size(0), sequence = ids.Size(1), t = tuned.NumVirtualTokens, hidden = 8;
        var table = tuned.BaseModel.Model.EmbedTokens.Weight.Value;
        var inputs = new double[batch * (t + sequence) * hidden];
        for (int row = 0; row < batch; row++)
        {
            tuned.PromptEmbeddings.Value.CopyTo(inputs, row * (t + sequence) * hidden);
            for (int s = 0; s < sequence; s++)
            {
                table.AsSpan(ids.Span[row * sequence + s] * hidden, hidden).CopyTo(inputs.AsSpan(((row * (t + sequence)) + t + s) * hidden));
            }
        }

        return Tensor<double>.Wrap(inputs, batch, t + sequence, hidden);
    }
}
