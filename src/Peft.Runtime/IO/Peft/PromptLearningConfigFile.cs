using System.Numerics;
using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// What PEFT's prompt-learning adapter folders (PROMPT_TUNING, PREFIX_TUNING) share: <c>adapter_config.json</c> (detecting the
/// <c>peft_type</c> of a folder, reading the integer and string fields with errors that name them, writing nullable strings)
/// and <c>adapter_model.safetensors</c> holding the one tensor <see cref="TensorKey"/>.
/// </summary>
internal static class PromptLearningConfigFile
{
    /// <summary>The one tensor of the weights file (PEFT's <c>get_peft_model_state_dict</c> for prompt learning).</summary>
    public const string TensorKey = "prompt_embeddings";

    /// <summary>
    /// Writes <c>adapter_config.json</c> — one object whose fields <paramref name="writeFields"/> writes, in PEFT's sorted key
    /// order — and <c>adapter_model.safetensors</c> with <see cref="TensorKey"/> <c>[rows, width]</c>, each atomically.
    /// </summary>
    public static void Save<T>(string directory, Action<Utf8JsonWriter> writeFields, int rows, int width, ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, PeftAdapterDirectory.ConfigFileName), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            writeFields(json);
            json.WriteEndObject();
        });

        SafetensorsWriter.WriteFile(Path.Combine(directory, PeftAdapterDirectory.WeightsFileName),
            [SafetensorsTensor.FromValues<T>(TensorKey, [rows, width], values)]);
    }

    /// <summary>The config and weights paths of the <paramref name="kind"/> adapter in <paramref name="directory"/>.</summary>
    /// <exception cref="InvalidDataException">One of the two files is missing.</exception>
    public static (string Config, string Weights) Files(string directory, string kind)
    {
        string config = Path.Combine(directory, PeftAdapterDirectory.ConfigFileName), weights = Path.Combine(directory, PeftAdapterDirectory.WeightsFileName);
        if (!File.Exists(config) || !File.Exists(weights))
        {
            throw new InvalidDataException(
                $"{directory}: a {kind} adapter folder holds {PeftAdapterDirectory.ConfigFileName} and {PeftAdapterDirectory.WeightsFileName}.");
        }

        return (config, weights);
    }

    /// <summary>Reads <see cref="TensorKey"/> <c>[rows, width]</c> (<paramref name="dimensions"/> names the two in errors) into <paramref name="destination"/>.</summary>
    /// <exception cref="InvalidDataException">The tensor is missing or has another shape.</exception>
    public static void ReadPromptEmbeddings<T>(string weightsPath, int rows, int width, string dimensions, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        using var file = SafetensorsFile.Open(weightsPath);
        if (!file.TryGetTensor(TensorKey, out var tensor))
        {
            throw new InvalidDataException($"{weightsPath}: no tensor '{TensorKey}'.");
        }

        if (!tensor.Shape.SequenceEqual([(long)rows, width]))
        {
            throw new InvalidDataException(
                $"{weightsPath}: '{TensorKey}' is [{string.Join(", ", tensor.Shape.ToArray())}], expected [{rows}, {width}] ({dimensions}).");
        }

        file.ReadValues<T>(TensorKey, destination);
    }

    /// <summary>The <c>peft_type</c> of the adapter in <paramref name="directory"/>, or null when there is no readable config.</summary>
    public static string? PeftTypeOf(string directory)
    {
        string path = Path.Combine(directory, PeftAdapterDirectory.ConfigFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("peft_type", out var type)
                && type.ValueKind == JsonValueKind.String
                    ? type.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null; // the adapter loader reports the malformed file with its own message
        }
    }

    /// <summary>Throws unless the config's <c>peft_type</c> is <paramref name="expected"/>.</summary>
    public static void CheckPeftType(JsonElement root, string expected, string path)
    {
        string? peftType = OptionalString(root, "peft_type");
        if (peftType != expected)
        {
            throw new InvalidDataException($"{path}: peft_type is {peftType ?? "missing"}, expected {expected}.");
        }
    }

    /// <summary>The positive integer field <paramref name="name"/>.</summary>
    public static int PositiveInt(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int value) && value > 0
            ? value
            : throw new InvalidDataException($"{path}: {name} must be a positive integer.");

    /// <summary>The string field <paramref name="name"/>, or null when absent or not a string.</summary>
    public static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    /// <summary>The boolean field <paramref name="name"/>, or <paramref name="fallback"/> when absent or null.</summary>
    public static bool OptionalBool(JsonElement root, string name, bool fallback, string path) =>
        !root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null ? fallback
        : element.ValueKind is JsonValueKind.True or JsonValueKind.False ? element.GetBoolean()
        : throw new InvalidDataException($"{path}: {name} must be true or false.");

    /// <summary>Writes <paramref name="value"/>, or null.</summary>
    public static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
