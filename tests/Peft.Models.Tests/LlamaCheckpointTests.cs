using System.Text.Json;
using Peft.IO;

namespace Peft.Models.Tests;

/// <summary>Loading Hugging Face folders: shards, dtypes, tied embeddings and the hostile inputs of issue 10 part 3.</summary>
public sealed class LlamaCheckpointTests
{
    private static readonly int[] Ids = [1, 5, 9, 33, 200, 17];

    private static float[] Logits(LlamaForCausalLM model) => model.Forward(Tensor<int>.Wrap(Ids, 1, Ids.Length)).ToArray();

    private static InvalidDataException LoadFails(string folder) =>
        Assert.Throws<InvalidDataException>(() => LlamaForCausalLM.FromPretrained(folder));

    [Fact]
    public void BaseWeightsLoadUnderAdaptersOfEveryMethodWhichKeepTheirValues()
    {
        // Adapter tensors are recognised by their owner: whatever the method, they are not base tensors the file must hold.
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var attention = model.Model.Layers[0].SelfAttention;
        attention.QProj.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        attention.KProj.AttachMoRA("default", new MoRAOptions { Rank = 2 });
        attention.VProj.AttachDoRA("default", new DoRAOptions { Rank = 2 });
        attention.OProj.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = 2 });
        var adapterValues = model.NamedParameters<float>().Where(p => p.Key.Contains(".default.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value.Value.ToArray());
        Assert.Equal(8, adapterValues.Count); // LoRA A, B; MoRA M; DoRA A, B, magnitude; LoRA+ A, B

        model.LoadPretrainedWeights(Fixtures.TinyLlama);
        Assert.All(adapterValues, p => Assert.Equal(p.Value, model.NamedParameters<float>().First(q => q.Key == p.Key).Value.Value));
    }

    [Fact]
    public void ShardedCheckpointLoadsAsTheSingleFile()
    {
        var tensors = TestCheckpoints.TinyLlamaTensors();
        string folder = TestCheckpoints.ConfigOnly();
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var map = new Dictionary<string, string>();
        for (int shard = 0; shard < 3; shard++)
        {
            string file = $"model-{shard + 1:00000}-of-00003.safetensors";
            var part = names.Where((_, i) => i % 3 == shard).ToList();
            TestCheckpoints.Write(Path.Combine(folder, file), part.Select(n => new KeyValuePair<string, (long[], float[])>(n, tensors[n])));
            part.ForEach(n => map[n] = file);
        }

        WriteIndex(folder, map);
        Assert.Equal(Logits(LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama)), Logits(LlamaForCausalLM.FromPretrained(folder)));

        // A shard the index names but the folder lacks; a tensor the index puts in the wrong shard; a path out of the folder.
        File.Delete(Path.Combine(folder, "model-00003-of-00003.safetensors"));
        Assert.Contains("model-00003-of-00003.safetensors", LoadFails(folder).Message);
        string moved = names[0];
        map[moved] = "model-00002-of-00003.safetensors";
        File.Delete(Path.Combine(folder, "model.safetensors.index.json"));
        TestCheckpoints.Write(Path.Combine(folder, "model-00003-of-00003.safetensors"), names.Where((_, i) => i % 3 == 2).Select(n => new KeyValuePair<string, (long[], float[])>(n, tensors[n])));
        WriteIndex(folder, map);
        Assert.Contains($"'{moved}'", LoadFails(folder).Message);
        map[moved] = "../model-00001-of-00003.safetensors";
        WriteIndex(folder, map);
        Assert.Contains("not a file name", LoadFails(folder).Message);
    }

    [Theory]
    [InlineData(SafetensorsDType.BF16, 0.5)]
    [InlineData(SafetensorsDType.F16, 0.05)]
    public void HalfPrecisionWeightsBecomeFloat(SafetensorsDType dtype, double tolerance)
    {
        var tensors = TestCheckpoints.TinyLlamaTensors();
        var reference = Logits(LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama));
        var model = LlamaForCausalLM.FromPretrained(TestCheckpoints.Folder(tensors, dtype));

        // Each weight is the nearest half-precision value: the logits move a little, never far.
        var logits = Logits(model);
        double worst = logits.Zip(reference).Max(p => Math.Abs(p.First - p.Second));
        Assert.InRange(worst, 1e-7, tolerance);
        var weight = model.Model.Layers[0].SelfAttention.QProj.Weight.Value;
        var original = tensors["model.layers.0.self_attn.q_proj.weight"].Values;
        for (int i = 0; i < weight.Length; i++)
        {
            Assert.True(Math.Abs(weight[i] - original[i]) <= Math.Abs(original[i]) * (dtype == SafetensorsDType.BF16 ? 1.0 / 128 : 1.0 / 1024) + 1e-7);
        }
    }

    [Fact]
    public void TiedEmbeddingsShareOneParameter()
    {
        var tensors = TestCheckpoints.TinyLlamaTensors();
        tensors.Remove("lm_head.weight");
        string folder = TestCheckpoints.Folder(tensors, editConfig: c => c.Replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true"));
        var model = LlamaForCausalLM.FromPretrained(folder);
        Assert.Same(model.Model.EmbedTokens.Weight, model.LmHead.Weight);
        Assert.Single(model.NamedParameters(), p => ReferenceEquals(p.Value, model.LmHead.Weight));
        Assert.DoesNotContain(model.NamedParameters(), p => p.Key == "lm_head.weight");

        // logits = h·Eᵀ: the LM head reads the embedding table.
        Assert.Equal(tensors["model.embed_tokens.weight"].Values, model.LmHead.Weight.Value);

        // A tied checkpoint that still stores lm_head.weight loads as transformers loads it: the table wins.
        var withHead = LlamaForCausalLM.FromPretrained(TestCheckpoints.Folder(
            TestCheckpoints.TinyLlamaTensors(), editConfig: c => c.Replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true")));
        Assert.Equal(tensors["model.embed_tokens.weight"].Values, withHead.LmHead.Weight.Value);
    }

    [Fact]
    public void MissingAndUnexpectedTensorsAreNamed()
    {
        var tensors = TestCheckpoints.TinyLlamaTensors();
        tensors.Remove("model.layers.1.mlp.up_proj.weight");
        tensors["model.layers.2.mlp.up_proj.weight"] = ([2], [1f, 2f]);
        var message = LoadFails(TestCheckpoints.Folder(tensors)).Message;
        Assert.Contains("missing tensors: model.layers.1.mlp.up_proj.weight", message);
        Assert.Contains("unexpected tensors: model.layers.2.mlp.up_proj.weight", message);
    }

    [Fact]
    public void AShapeThatContradictsTheConfigNamesTheTensorAndTheField()
    {
        var tensors = TestCheckpoints.TinyLlamaTensors();
        string folder = TestCheckpoints.Folder(tensors, editConfig: c => c.Replace("\"num_key_value_heads\": 4", "\"num_key_value_heads\": 2"));
        var message = LoadFails(folder).Message;
        Assert.Contains("'model.layers.0.self_attn.k_proj.weight' has shape [64, 64]", message);
        Assert.Contains("num_key_value_heads=2", message);
        Assert.Contains("[32, 64]", message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NonFiniteWeightsNameTheTensor(float bad)
    {
        var tensors = TestCheckpoints.TinyLlamaTensors();
        tensors["model.layers.1.self_attn.o_proj.weight"].Values[77] = bad;
        var message = LoadFails(TestCheckpoints.Folder(tensors)).Message;
        Assert.Contains("'model.layers.1.self_attn.o_proj.weight'", message);
        Assert.Contains("element 77", message);
    }

    [Fact]
    public void UnsupportedModelTypeNamesTheField()
    {
        string folder = TestCheckpoints.Folder(TestCheckpoints.TinyLlamaTensors(), editConfig: c => c.Replace("\"model_type\": \"llama\"", "\"model_type\": \"gpt_neox\""));
        Assert.Contains("'model_type'", LoadFails(folder).Message);
    }

    [Fact]
    public void AFolderWithoutWeightsOrConfigIsAClearError()
    {
        Assert.Contains("model.safetensors", LoadFails(TestCheckpoints.ConfigOnly()).Message);
        Assert.Throws<FileNotFoundException>(() => LlamaForCausalLM.FromPretrained(Fixtures.TemporaryFolder()));
        Assert.Throws<DirectoryNotFoundException>(() => LlamaForCausalLM.FromPretrained(Path.Combine(Fixtures.TemporaryFolder(), "absent")));
    }

    [Fact]
    public void IdsOutsideTheVocabularyAndTooLongSequencesAreNamed()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(Tensor<int>.Wrap([1, 2, 256], 1, 3)));
        Assert.Contains("id 256", error.Message);
        Assert.Contains("[0, 2]", error.Message);
        Assert.Contains("-1", Assert.Throws<ArgumentException>(() => model.Forward(Tensor<int>.Wrap([-1], 1, 1))).Message);
        Assert.Contains("max_position_embeddings = 64", Assert.Throws<ArgumentException>(() => model.Forward(new Tensor<int>(1, 65))).Message);
        Assert.Contains("max_position_embeddings = 64", Assert.Throws<ArgumentException>(() => model.Generate(new int[60], new GenerationOptions { MaxNewTokens = 5 })).Message);
        Assert.Contains("[batch, sequence]", Assert.Throws<ArgumentException>(() => model.Forward(new Tensor<int>(6))).Message);
    }

    private static void WriteIndex(string folder, Dictionary<string, string> map)
    {
        string json = JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, string>> { ["weight_map"] = map }, TestJsonContext.Default.DictionaryStringDictionaryStringString);
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), json);
    }
}
