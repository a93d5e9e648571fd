using System.Text.Json;
using System.Text.Json.Serialization;

namespace Peft.IO;

/// <summary>
/// <c>adapter_config.json</c> of a Hugging Face PEFT adapter, with PEFT's field names: LoRA's fields (and the
/// official MoRA fork's <c>use_mora</c> / <c>mora_type</c>) modelled; another method's own fields (VeRA's, IA³'s, …)
/// are read by its format from <see cref="AdditionalFields"/>. Fields this type does not model are kept in
/// <see cref="AdditionalFields"/> and written back unchanged. <see cref="ToJson"/> writes every key in sorted
/// order, as PEFT does.
/// </summary>
public sealed class PeftAdapterConfig
{
    /// <summary>Per-module α overrides (<c>alpha_pattern</c>): key = module name or pattern.</summary>
    [JsonPropertyName("alpha_pattern")]
    public Dictionary<string, double>? AlphaPattern { get; set; }

    /// <summary>The base model's Hub id or path.</summary>
    [JsonPropertyName("base_model_name_or_path")]
    public string? BaseModelNameOrPath { get; set; }

    /// <summary>Which biases the adapter trains: <c>"none"</c>, <c>"all"</c> or <c>"lora_only"</c>.</summary>
    [JsonPropertyName("bias")]
    public string Bias { get; set; } = "none";

    /// <summary>Whether target weights are stored <c>[in, out]</c> (GPT-2's Conv1D) instead of <c>[out, in]</c>.</summary>
    [JsonPropertyName("fan_in_fan_out")]
    public bool FanInFanOut { get; set; }

    /// <summary>Whether the adapter was saved for inference.</summary>
    [JsonPropertyName("inference_mode")]
    public bool InferenceMode { get; set; } = true;

    /// <summary><c>"true"</c>, <c>"false"</c> or an initialisation method such as <c>"gaussian"</c>.</summary>
    [JsonPropertyName("init_lora_weights")]
    [JsonConverter(typeof(PeftBoolOrStringConverter))]
    public string? InitLoraWeights { get; set; } = "true";

    /// <summary>α, the numerator of the LoRA scale.</summary>
    [JsonPropertyName("lora_alpha")]
    public double LoraAlpha { get; set; } = 8;

    /// <summary>Dropout on the adapter input during training.</summary>
    [JsonPropertyName("lora_dropout")]
    public double LoraDropout { get; set; }

    /// <summary>Modules trained in full and saved beside the adapter.</summary>
    [JsonPropertyName("modules_to_save")]
    public List<string>? ModulesToSave { get; set; }

    /// <summary>
    /// MoRA's compression type (official fork), written as its number: 1 = <see cref="MoRAType.Sharing"/>,
    /// 2–4 = the grouped types, 6 = <see cref="MoRAType.RoPE"/>. Absent for LoRA. Other numbers read as undefined values that
    /// <see cref="GetMoRAType"/> rejects.
    /// </summary>
    [JsonPropertyName("mora_type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MoRAType? MoraType { get; set; }

    /// <summary>The method: <c>"LORA"</c> (MoRA adapters are LORA with <c>use_mora</c>, DoRA with <c>use_dora</c>), or another registered method's type.</summary>
    [JsonPropertyName("peft_type")]
    public string PeftType { get; set; } = "LORA";

    /// <summary>The rank r (for MoRA: the LoRA rank whose budget r̂ matches).</summary>
    [JsonPropertyName("r")]
    public int R { get; set; } = 8;

    /// <summary>Per-module rank overrides (LoRA's <c>rank_pattern</c>: module name or pattern → r).</summary>
    [JsonIgnore]
    public Dictionary<string, int>? RankPattern { get; set; }

    /// <summary>
    /// AdaLoRA's <c>rank_pattern</c>: per <c>&lt;module path&gt;.lora_E</c>, which of the <c>init_r</c> triplets the allocation
    /// kept (the saved tensors hold only those). Null until an allocation has run; written instead of <see cref="RankPattern"/> when set.
    /// </summary>
    [JsonIgnore]
    public Dictionary<string, bool[]>? AdaLoRARankPattern { get; set; }

    /// <summary><c>rank_pattern</c> as JSON: an object of ranks (LoRA) or of kept-triplet lists (AdaLoRA), or null.</summary>
    [JsonPropertyName("rank_pattern")]
    [JsonInclude]
    [JsonConverter(typeof(PeftRankPatternConverter))]
    internal PeftRankPattern? RankPatternJson
    {
        get => AdaLoRARankPattern is not null ? new(null, AdaLoRARankPattern) : RankPattern is not null ? new(RankPattern, null) : null;
        set => (RankPattern, AdaLoRARankPattern) = (value?.Ranks, value?.Kept);
    }

    /// <summary>The base model revision.</summary>
    [JsonPropertyName("revision")]
    public string? Revision { get; set; }

    /// <summary>The adapted modules.</summary>
    [JsonPropertyName("target_modules")]
    [JsonConverter(typeof(PeftTargetModulesConverter))]
    public PeftTargetModules? TargetModules { get; set; }

    /// <summary>The task, such as <c>"CAUSAL_LM"</c>.</summary>
    [JsonPropertyName("task_type")]
    public string? TaskType { get; set; }

    /// <summary>DoRA (<c>use_dora</c>): LoRA's tensors plus <c>lora_magnitude_vector</c> per module.</summary>
    [JsonPropertyName("use_dora")]
    public bool UseDora { get; set; }

    /// <summary>Whether the adapter is MoRA (official fork). Absent for LoRA.</summary>
    [JsonPropertyName("use_mora")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? UseMora { get; set; }

    /// <summary>Rank-stabilised scaling <c>α/√r</c> instead of <c>α/r</c>.</summary>
    [JsonPropertyName("use_rslora")]
    public bool UseRsLoRA { get; set; }

    /// <summary>Fields this type does not model, preserved on a round trip.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalFields { get; set; }

    /// <summary>Whether this is a MoRA adapter.</summary>
    [JsonIgnore]
    public bool IsMoRA => UseMora == true;

    /// <summary>
    /// The rank of the module at <paramref name="modulePath"/>: the first <c>rank_pattern</c> key that
    /// matches the path's end (PEFT: <c>(.*\.)?key$</c>), else <see cref="R"/>.
    /// </summary>
    public int RankFor(string modulePath) => Lookup(RankPattern, modulePath, R);

    /// <summary>α for the module at <paramref name="modulePath"/> (<c>alpha_pattern</c>, else <see cref="LoraAlpha"/>).</summary>
    public double AlphaFor(string modulePath) => Lookup(AlphaPattern, modulePath, LoraAlpha);

    /// <summary>α for the module (<c>alpha_pattern</c>, else <paramref name="fallback"/>: a method's own α field, LoHa's <c>alpha</c>).</summary>
    internal double AlphaFor(string modulePath, double fallback) => Lookup(AlphaPattern, modulePath, fallback);

    /// <summary>The LoRA scale of a module with rank <paramref name="rank"/>: <c>α/r</c>, or <c>α/√r</c> with rsLoRA.</summary>
    public double ScaleFor(string modulePath, int rank) => LoRAOptions.ComputeScale(AlphaFor(modulePath), rank, UseRsLoRA);

    /// <summary>The MoRA type, checked: <c>mora_type</c> 1, 2, 3, 4 or 6 (PEFT's fork defaults to 1).</summary>
    /// <exception cref="InvalidDataException">Another value.</exception>
    public MoRAType GetMoRAType() => (MoraType ?? MoRAType.Sharing) switch
    {
        MoRAType.Sharing => MoRAType.Sharing,
        MoRAType.Grouped => MoRAType.Grouped,
        MoRAType.GroupedCompression => MoRAType.GroupedCompression,
        MoRAType.GroupedDecompression => MoRAType.GroupedDecompression,
        MoRAType.RoPE => MoRAType.RoPE,
        var other => throw new InvalidDataException($"adapter_config.json: mora_type {(int)other} is not supported (use 1 = sharing, 2–4 = grouped or 6 = RoPE)."),
    };

    /// <summary>
    /// A field of another method's config (VeRA's <c>projection_prng_key</c>, IA³'s <c>feedforward_modules</c>, …) from
    /// <see cref="AdditionalFields"/>: <paramref name="fallback"/> (PEFT's default) when absent or null.
    /// </summary>
    /// <exception cref="InvalidDataException">The field has another JSON type.</exception>
    internal TValue Field<TValue>(string name, TValue fallback)
    {
        if (AdditionalFields is null || !AdditionalFields.TryGetValue(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        try
        {
            object value = fallback switch
            {
                bool => element.GetBoolean(),
                int => element.GetInt32(),
                double => element.GetDouble(),
                _ => throw new NotSupportedException($"Config field '{name}' of type {typeof(TValue).Name}."),
            };
            return (TValue)value;
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException(
                $"{PeftAdapterDirectory.ConfigFileName}: field '{name}' is {element.ValueKind} {element}, expected {(fallback is bool ? "true or false" : "a number")}.", exception);
        }
    }

    /// <summary>Sets another method's field in <see cref="AdditionalFields"/> (a bool, int or double).</summary>
    internal void SetField<TValue>(string name, TValue value)
    {
        string json = value switch
        {
            bool flag => flag ? "true" : "false",
            int number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            double number => PythonFloat(number),
            _ => throw new NotSupportedException($"Config field '{name}' of type {typeof(TValue).Name}."),
        };
        (AdditionalFields ??= [])[name] = JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>A finite double as Python's <c>json.dumps</c> writes a float: shortest round trip, <c>0.0</c> rather than <c>0</c>.</summary>
    private static string PythonFloat(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A config field must be finite.");
        }

        string text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return text.IndexOfAny(['.', 'E']) >= 0 ? text : text + ".0";
    }

    /// <summary>Sets another method's field to JSON <c>null</c> unless the config already has it (a template's value is kept).</summary>
    internal void SetNullFieldUnlessPresent(string name) => (AdditionalFields ??= []).TryAdd(name, JsonDocument.Parse("null").RootElement.Clone());

    /// <summary>Reads <c>adapter_config.json</c> text.</summary>
    /// <exception cref="InvalidDataException">The JSON is invalid or a field has the wrong type.</exception>
    public static PeftAdapterConfig Parse(string json, string source = PeftAdapterDirectory.ConfigFileName)
    {
        try
        {
            return JsonSerializer.Deserialize(json, PeftJsonContext.Default.PeftAdapterConfig)
                ?? throw new InvalidDataException($"{source}: the file holds null, expected an object.");
        }
        catch (JsonException exception)
        {
            string where = exception.LineNumber is { } line ? $" (line {line + 1}, byte {exception.BytePositionInLine + 1})" : "";
            throw new InvalidDataException($"{source}: invalid adapter config{where}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// The fields modelled here that only PEFT's <c>LoraConfig</c> has; methods with their own config class (VeRA, IA³, …)
    /// list those their class lacks in <see cref="PeftMethodFormat.AbsentConfigKeys"/>.
    /// </summary>
    internal static readonly string[] LoRAOnlyKeys =
        ["alpha_pattern", "init_lora_weights", "lora_alpha", "lora_dropout", "mora_type", "rank_pattern", "use_dora", "use_mora", "use_rslora"];

    /// <summary>
    /// The config as PEFT's <c>save_pretrained</c> writes it (<c>json.dumps(…, indent=2, sort_keys=True)</c>): indented by
    /// two spaces, every object's keys sorted by code point, the fields this type does not model among the others, and
    /// none of the modelled fields the method's config class does not have (<see cref="PeftMethodFormat.AbsentConfigKeys"/>).
    /// </summary>
    public string ToJson()
    {
        using var document = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(this, PeftJsonContext.Default.PeftAdapterConfig));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteSorted(document.RootElement, writer, PeftMethodFormat.TryFor(this)?.AbsentConfigKeys ?? []);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteSorted(JsonElement element, Utf8JsonWriter writer, IReadOnlyCollection<string> absent)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (absent.Contains(property.Name))
                    {
                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    WriteSorted(property.Value, writer, []);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(item, writer, []);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static TValue Lookup<TValue>(Dictionary<string, TValue>? pattern, string modulePath, TValue fallback)
    {
        if (pattern is not null)
        {
            foreach (var (key, value) in pattern)
            {
                if (PeftPattern.IsMatch(modulePath, $"^(?:.*\\.)?(?:{key})$", key))
                {
                    return value;
                }
            }
        }

        return fallback;
    }
}
