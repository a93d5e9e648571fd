using System.Text.Json;

namespace Peft.IO.Tests.Cli;

/// <summary>
/// A small Llama-family model folder written as transformers shards it: <c>config.json</c>, two BF16 shards and
/// <c>model.safetensors.index.json</c> (hidden 8, intermediate 12, 2 layers, 2 heads of 4, vocab 16, untied head);
/// and a PEFT LoRA adapter folder for it (r 2, α 4, F32, on <c>q_proj</c>, <c>v_proj</c>, <c>down_proj</c>).
/// </summary>
internal static class ShardedLlamaFolder
{
    public const string Config = """
        {
          "architectures": ["LlamaForCausalLM"],
          "attention_bias": false,
          "bos_token_id": 1,
          "eos_token_id": 2,
          "head_dim": 4,
          "hidden_act": "silu",
          "hidden_size": 8,
          "intermediate_size": 12,
          "max_position_embeddings": 64,
          "mlp_bias": false,
          "model_type": "llama",
          "num_attention_heads": 2,
          "num_hidden_layers": 2,
          "num_key_value_heads": 2,
          "rms_norm_eps": 1e-06,
          "rope_theta": 10000.0,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "vocab_size": 16
        }
        """;

    public static readonly string[] Shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];

    /// <summary>The tensors by name with their shapes, the shard index of each.</summary>
    public static IEnumerable<(string Name, long[] Shape, int Shard)> Layout()
    {
        yield return ("model.embed_tokens.weight", [16, 8], 0);
        for (int layer = 0; layer < 2; layer++)
        {
            string p = $"model.layers.{layer}.";
            foreach (string projection in new[] { "q_proj", "k_proj", "v_proj", "o_proj" })
            {
                yield return ($"{p}self_attn.{projection}.weight", [8, 8], layer);
            }

            yield return ($"{p}mlp.gate_proj.weight", [12, 8], layer);
            yield return ($"{p}mlp.up_proj.weight", [12, 8], layer);
            yield return ($"{p}mlp.down_proj.weight", [8, 12], layer);
            yield return ($"{p}input_layernorm.weight", [8], layer);
            yield return ($"{p}post_attention_layernorm.weight", [8], layer);
        }

        yield return ("model.norm.weight", [8], 1);
        yield return ("lm_head.weight", [16, 8], 1);
    }

    /// <summary>Writes the sharded BF16 model into a new folder.</summary>
    public static string WriteModel()
    {
        string folder = Fixtures.TemporaryFolder();
        File.WriteAllText(Path.Combine(folder, "config.json"), Config);
        var random = new Random(5);
        var layout = Layout().ToList();
        for (int shard = 0; shard < Shards.Length; shard++)
        {
            SafetensorsWriter.WriteFile(Path.Combine(folder, Shards[shard]),
                layout.Where(t => t.Shard == shard).Select(t => SafetensorsTensor.FromValues<float>(t.Name, t.Shape, Values(t.Name, t.Shape, random), SafetensorsDType.BF16)),
                new Dictionary<string, string> { ["format"] = "pt" });
        }

        long total = layout.Sum(t => t.Shape.Aggregate(2L, (a, b) => a * b));
        using var index = new FileStream(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName), FileMode.CreateNew);
        using var writer = new Utf8JsonWriter(index, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteStartObject("metadata");
        writer.WriteNumber("total_size", total);
        writer.WriteEndObject();
        writer.WriteStartObject("weight_map");
        foreach (var (name, _, shard) in layout.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            writer.WriteString(name, Shards[shard]);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        return folder;
    }

    /// <summary>Writes the same tensors as one <c>model.safetensors</c> (for comparing layouts).</summary>
    public static string WriteSingleFile(string shardedFolder)
    {
        string folder = Fixtures.TemporaryFolder();
        using var checkpoint = SafetensorsCheckpoint.Open(shardedFolder);
        SafetensorsWriter.WriteFile(Path.Combine(folder, SafetensorsCheckpoint.SingleFileName),
            checkpoint.Files.SelectMany(f => f.Tensors.Select(t => SafetensorsTensor.FromBytes(t.Name, t.DType, t.Shape, f.GetMemory(t)))),
            new Dictionary<string, string> { ["format"] = "pt" });
        return folder;
    }

    /// <summary>
    /// A LoRA adapter folder; <paramref name="edit"/> may change a tensor's values, <paramref name="targets"/> the config's
    /// target_modules; with <paramref name="lmHead"/> the head is a module to save (its trained copy in the file).
    /// </summary>
    public static string WriteAdapter(Action<string, float[]>? edit = null, string targets = """["q_proj", "v_proj", "down_proj"]""", float[]? lmHead = null)
    {
        var random = new Random(9);
        var tensors = new List<SafetensorsTensor>();
        for (int layer = 0; layer < 2; layer++)
        {
            foreach (var (module, inF, outF) in new[] { ("self_attn.q_proj", 8, 8), ("self_attn.v_proj", 8, 8), ("mlp.down_proj", 12, 8) })
            {
                string path = $"base_model.model.model.layers.{layer}.{module}";
                foreach (var (key, shape) in new[] { ($"{path}.lora_A.weight", new long[] { 2, inF }), ($"{path}.lora_B.weight", new long[] { outF, 2 }) })
                {
                    float[] values = [.. Enumerable.Range(0, (int)(shape[0] * shape[1])).Select(_ => (float)(random.NextDouble() - 0.5))];
                    edit?.Invoke(key, values);
                    tensors.Add(SafetensorsTensor.FromValues<float>(key, shape, values));
                }
            }
        }

        if (lmHead is not null)
        {
            tensors.Add(SafetensorsTensor.FromValues<float>("base_model.model.lm_head.weight", [16, 8], lmHead));
        }

        string modulesToSave = lmHead is null ? "null" : """["lm_head"]""";
        return Fixtures.WritePeftFolder(
            $$"""{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": {{targets}}, "modules_to_save": {{modulesToSave}}, "lora_dropout": 0.0, "bias": "none", "task_type": "CAUSAL_LM", "use_rslora": false, "fan_in_fan_out": false}""",
            [.. tensors]);
    }

    private static float[] Values(string name, long[] shape, Random random)
    {
        int n = (int)shape.Aggregate(1L, (a, b) => a * b);
        return name.EndsWith("norm.weight", StringComparison.Ordinal)
            ? [.. Enumerable.Range(0, n).Select(_ => 1f + (float)(0.1 * (random.NextDouble() - 0.5)))]
            : [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5))];
    }
}
