using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// What PEFT's prompt-learning configs (PROMPT_TUNING, PREFIX_TUNING) share in <c>adapter_config.json</c>: detecting the
/// <c>peft_type</c> of a folder, reading the integer and string fields with errors that name them, writing nullable strings.
/// </summary>
internal static class PromptLearningConfigFile
{
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
