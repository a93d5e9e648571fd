using System.Text.Json;
using System.Text.Json.Serialization;

namespace Peft.Models;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> that Llama-family models read, exactly as the file spells
/// them; <see cref="LlamaConfig"/> validates them. Fields the file lacks stay <see langword="null"/>.
/// </summary>
internal sealed class LlamaConfigJson
{
    [JsonPropertyName("model_type")] public string? ModelType { get; set; }
    [JsonPropertyName("hidden_size")] public int? HiddenSize { get; set; }
    [JsonPropertyName("intermediate_size")] public int? IntermediateSize { get; set; }
    [JsonPropertyName("num_hidden_layers")] public int? NumHiddenLayers { get; set; }
    [JsonPropertyName("num_attention_heads")] public int? NumAttentionHeads { get; set; }
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; set; }
    [JsonPropertyName("head_dim")] public int? HeadDim { get; set; }
    [JsonPropertyName("rms_norm_eps")] public double? RmsNormEps { get; set; }
    [JsonPropertyName("vocab_size")] public int? VocabSize { get; set; }
    [JsonPropertyName("max_position_embeddings")] public int? MaxPositionEmbeddings { get; set; }
    [JsonPropertyName("tie_word_embeddings")] public bool? TieWordEmbeddings { get; set; }
    [JsonPropertyName("attention_bias")] public bool? AttentionBias { get; set; }
    [JsonPropertyName("mlp_bias")] public bool? MlpBias { get; set; }
    [JsonPropertyName("hidden_act")] public string? HiddenAct { get; set; }
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; set; }
    [JsonPropertyName("rope_scaling")] public LlamaRopeJson? RopeScaling { get; set; }
    [JsonPropertyName("rope_parameters")] public LlamaRopeJson? RopeParameters { get; set; }
    [JsonPropertyName("initializer_range")] public double? InitializerRange { get; set; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; set; }

    /// <summary>An id, a list of ids, or null.</summary>
    [JsonPropertyName("eos_token_id")] public JsonElement EosTokenId { get; set; }
}

/// <summary>transformers' <c>rope_scaling</c> (4.x) or <c>rope_parameters</c> (5.x) object.</summary>
internal sealed class LlamaRopeJson
{
    [JsonPropertyName("rope_theta")] public double? RopeTheta { get; set; }
    [JsonPropertyName("rope_type")] public string? RopeType { get; set; }

    /// <summary>The key older configs used instead of <c>rope_type</c>.</summary>
    [JsonPropertyName("type")] public string? LegacyType { get; set; }

    [JsonPropertyName("factor")] public double? Factor { get; set; }
    [JsonPropertyName("low_freq_factor")] public double? LowFreqFactor { get; set; }
    [JsonPropertyName("high_freq_factor")] public double? HighFreqFactor { get; set; }
    [JsonPropertyName("original_max_position_embeddings")] public int? OriginalMaxPositionEmbeddings { get; set; }
}

/// <summary>Source-generated (reflection-free, AOT-safe) JSON metadata for the Llama files.</summary>
[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(LlamaConfigJson))]
internal sealed partial class LlamaJsonContext : JsonSerializerContext
{
}
