using System.Text.Json;

namespace Peft.Models;

/// <summary>
/// The architecture of a Llama-family causal language model, as Hugging Face's <c>config.json</c> describes it.
/// <c>model_type</c> "llama", "mistral" and "qwen2" are one architecture that differs only by these fields:
/// grouped-query heads (<see cref="NumKeyValueHeads"/>), biases on the attention projections (Qwen2 always
/// has q/k/v biases and no o_proj bias; Llama's <c>attention_bias</c> puts a bias on all four) and rotary
/// settings. Mistral's and Qwen2's <c>sliding_window</c> is ignored: attention is full causal attention, which
/// equals sliding-window attention for sequences no longer than the window (4096 tokens and more in the
/// released checkpoints) and differs beyond it.
/// </summary>
public sealed class LlamaConfig
{
    private int? _numKeyValueHeads;
    private int? _headDim;

    /// <summary>"llama", "mistral" or "qwen2".</summary>
    public string ModelType { get; init; } = "llama";

    /// <summary><c>hidden_size</c>: the width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: the width of the gated MLP.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>: the number of decoder layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c>: query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>: key/value heads (grouped-query attention); defaults to <see cref="NumAttentionHeads"/>.</summary>
    public int NumKeyValueHeads { get => _numKeyValueHeads ?? NumAttentionHeads; init => _numKeyValueHeads = value; }

    /// <summary><c>head_dim</c>: the width of one head; defaults to <see cref="HiddenSize"/> / <see cref="NumAttentionHeads"/>.</summary>
    public int HeadDim { get => _headDim ?? (NumAttentionHeads > 0 ? HiddenSize / NumAttentionHeads : 0); init => _headDim = value; }

    /// <summary><c>rms_norm_eps</c>: the ε of every RMSNorm.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>vocab_size</c>: rows of the embedding table and of the LM head.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>max_position_embeddings</c>: the longest sequence (prompt plus generated tokens) accepted.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary><c>tie_word_embeddings</c>: whether <c>lm_head.weight</c> is <c>model.embed_tokens.weight</c>.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q_proj, k_proj and v_proj have biases (Llama's <c>attention_bias</c>; always for Qwen2).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Whether o_proj has a bias (Llama's <c>attention_bias</c>; never for Qwen2 and Mistral).</summary>
    public bool OutputBias { get; init; }

    /// <summary><c>mlp_bias</c>: whether gate_proj, up_proj and down_proj have biases.</summary>
    public bool MlpBias { get; init; }

    /// <summary>The rotary base θ (<c>rope_theta</c>, top-level or in <c>rope_parameters</c>).</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>The rotary scaling: <see langword="null"/> for <c>rope_type</c> "default", else "llama3" scaling.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary><c>initializer_range</c>: the standard deviation of the initial weights of a model built from the config (not loaded).</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary><c>bos_token_id</c>, when the config has one.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>: one id or several (generation stops at any of them); empty when absent.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The model types this architecture covers.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["llama", "mistral", "qwen2"];

    /// <summary>Reads and validates <c>config.json</c> at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON, or a field is missing, unsupported or contradicts another; the message names the field.</exception>
    public static LlamaConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such config file.", path);
        }

        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses and validates the bytes of a <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Load"/>.</exception>
    public static LlamaConfig Parse(ReadOnlySpan<byte> json, string source = "config.json")
    {
        LlamaConfigJson? file;
        try
        {
            file = JsonSerializer.Deserialize(json, LlamaJsonContext.Default.LlamaConfigJson);
        }
        catch (JsonException exception)
        {
            string field = exception.Path is { Length: > 2 } path ? $" field '{path[2..]}'" : "";
            throw new InvalidDataException($"{source}:{field} is not valid: {exception.Message}", exception);
        }

        if (file is null)
        {
            throw new InvalidDataException($"{source}: the file holds null, not a config object.");
        }

        var config = FromJson(file, source);
        config.Validate(source);
        return config;
    }

    /// <summary>
    /// Checks that the fields describe a model that can be built; the model constructor calls it.
    /// </summary>
    /// <param name="source">What error messages name (the config file).</param>
    /// <exception cref="InvalidDataException">A field is out of range or contradicts another; the message names it.</exception>
    public void Validate(string source = "config")
    {
        if (!SupportedModelTypes.Contains(ModelType))
        {
            throw Field(source, "model_type", $"'{ModelType}' is not supported; supported: {string.Join(", ", SupportedModelTypes)}");
        }

        Positive(source, "hidden_size", HiddenSize);
        Positive(source, "intermediate_size", IntermediateSize);
        Positive(source, "num_hidden_layers", NumHiddenLayers);
        Positive(source, "num_attention_heads", NumAttentionHeads);
        Positive(source, "num_key_value_heads", NumKeyValueHeads);
        Positive(source, "vocab_size", VocabSize);
        Positive(source, "max_position_embeddings", MaxPositionEmbeddings);
        if (_headDim is null && HiddenSize % NumAttentionHeads != 0)
        {
            throw Field(source, "head_dim", $"is absent and hidden_size = {HiddenSize} is not a multiple of num_attention_heads = {NumAttentionHeads}");
        }

        Positive(source, "head_dim", HeadDim);
        if (HeadDim % 2 != 0)
        {
            throw Field(source, "head_dim", $"= {HeadDim} must be even (rotary embeddings rotate pairs)");
        }

        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw Field(source, "num_key_value_heads", $"= {NumKeyValueHeads} must divide num_attention_heads = {NumAttentionHeads}");
        }

        if (!(RmsNormEps > 0) || !double.IsFinite(RmsNormEps))
        {
            throw Field(source, "rms_norm_eps", $"= {RmsNormEps} must be positive and finite");
        }

        if (!(RopeTheta > 0) || !double.IsFinite(RopeTheta))
        {
            throw Field(source, "rope_theta", $"= {RopeTheta} must be positive and finite");
        }

        if (!(InitializerRange >= 0) || !double.IsFinite(InitializerRange))
        {
            throw Field(source, "initializer_range", $"= {InitializerRange} must be finite and not negative");
        }

        Fits(source, "vocab_size × hidden_size", (long)VocabSize * HiddenSize);
        Fits(source, "num_attention_heads × head_dim × hidden_size", (long)NumAttentionHeads * HeadDim * HiddenSize);
        Fits(source, "intermediate_size × hidden_size", (long)IntermediateSize * HiddenSize);
        foreach (int id in EosTokenIds)
        {
            TokenId(source, "eos_token_id", id);
        }

        if (BosTokenId is int bos)
        {
            TokenId(source, "bos_token_id", bos);
        }

        if (RopeScaling is { } scaling)
        {
            ValidateRope(source, scaling);
        }
    }

    private void ValidateRope(string source, RopeScaling scaling)
    {
        if (scaling.RopeType != "llama3")
        {
            throw Field(source, "rope_type", $"'{scaling.RopeType}' is not supported; supported: default, llama3");
        }

        if (!(scaling.Factor > 0) || !double.IsFinite(scaling.Factor))
        {
            throw Field(source, "rope_scaling.factor", $"= {scaling.Factor} must be positive and finite");
        }

        if (!(scaling.LowFrequencyFactor > 0) || !(scaling.HighFrequencyFactor > scaling.LowFrequencyFactor) || !double.IsFinite(scaling.HighFrequencyFactor))
        {
            throw Field(source, "rope_scaling.high_freq_factor",
                $"= {scaling.HighFrequencyFactor} must be finite and above low_freq_factor = {scaling.LowFrequencyFactor} > 0");
        }

        Positive(source, "rope_scaling.original_max_position_embeddings", scaling.OriginalMaxPositionEmbeddings);
    }

    private static LlamaConfig FromJson(LlamaConfigJson file, string source)
    {
        string modelType = file.ModelType ?? throw Field(source, "model_type", "is missing");
        if (file.HiddenAct is { } act && act != "silu")
        {
            throw Field(source, "hidden_act", $"'{act}' is not supported; Llama-family models use 'silu'");
        }

        bool qwen2 = modelType == "qwen2";
        bool attentionBias = file.AttentionBias ?? false;
        var rope = file.RopeParameters ?? file.RopeScaling;
        string ropeField = file.RopeParameters is null ? "rope_scaling" : "rope_parameters";
        return new LlamaConfig
        {
            ModelType = modelType,
            HiddenSize = Required(source, "hidden_size", file.HiddenSize),
            IntermediateSize = Required(source, "intermediate_size", file.IntermediateSize),
            NumHiddenLayers = Required(source, "num_hidden_layers", file.NumHiddenLayers),
            NumAttentionHeads = Required(source, "num_attention_heads", file.NumAttentionHeads),
            _numKeyValueHeads = file.NumKeyValueHeads,
            _headDim = file.HeadDim,
            RmsNormEps = file.RmsNormEps ?? 1e-6,
            VocabSize = Required(source, "vocab_size", file.VocabSize),
            MaxPositionEmbeddings = file.MaxPositionEmbeddings ?? 2048,
            TieWordEmbeddings = file.TieWordEmbeddings ?? false,
            QkvBias = qwen2 || attentionBias,
            OutputBias = !qwen2 && attentionBias,
            MlpBias = file.MlpBias ?? false,
            RopeTheta = rope?.RopeTheta ?? file.RopeTheta ?? 10000.0,
            RopeScaling = Scaling(source, ropeField, rope),
            InitializerRange = file.InitializerRange ?? 0.02,
            BosTokenId = file.BosTokenId,
            EosTokenIds = EosIds(source, file.EosTokenId),
        };
    }

    /// <summary>"default" (or no rope object) → no scaling; "llama3" → its four fields, each required.</summary>
    private static RopeScaling? Scaling(string source, string field, LlamaRopeJson? rope)
    {
        string type = rope?.RopeType ?? rope?.LegacyType ?? "default";
        return type switch
        {
            "default" => null,
            "llama3" => new RopeScaling(
                "llama3",
                Required(source, field + ".factor", rope!.Factor),
                Required(source, field + ".low_freq_factor", rope.LowFreqFactor),
                Required(source, field + ".high_freq_factor", rope.HighFreqFactor),
                Required(source, field + ".original_max_position_embeddings", rope.OriginalMaxPositionEmbeddings)),
            _ => throw Field(source, field + ".rope_type", $"'{type}' is not supported; supported: default, llama3"),
        };
    }

    private static int[] EosIds(string source, JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => [],
        JsonValueKind.Number when element.TryGetInt32(out int id) => [id],
        JsonValueKind.Array => [.. element.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int id)
            ? id
            : throw Field(source, "eos_token_id", $"holds {item.GetRawText()}; expected token ids"))],
        _ => throw Field(source, "eos_token_id", $"is {element.GetRawText()}; expected a token id or a list of them"),
    };

    private static T Required<T>(string source, string field, T? value)
        where T : struct
        => value ?? throw Field(source, field, "is missing");

    private static void Positive(string source, string field, int value)
    {
        if (value <= 0)
        {
            throw Field(source, field, $"= {value} must be positive");
        }
    }

    private void TokenId(string source, string field, int id)
    {
        if (id < 0 || id >= VocabSize)
        {
            throw Field(source, field, $"= {id} is outside the vocabulary [0, {VocabSize})");
        }
    }

    private static void Fits(string source, string fields, long elements)
    {
        if (elements > Array.MaxLength)
        {
            throw new InvalidDataException($"{source}: {fields} = {elements} elements, more than one array holds.");
        }
    }

    private static InvalidDataException Field(string source, string field, string problem) => new($"{source}: field '{field}' {problem}.");
}
