using System.Text.Json;
using System.Text.Json.Serialization;

namespace Peft.IO;

/// <summary><c>target_modules</c> as a JSON list of strings or one string (a regular expression).</summary>
internal sealed class PeftTargetModulesConverter : JsonConverter<PeftTargetModules>
{
    public override PeftTargetModules? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return PeftTargetModules.FromPattern(reader.GetString()!);
            case JsonTokenType.StartArray:
                var names = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new JsonException($"target_modules must hold strings, found {reader.TokenType}.");
                    }

                    names.Add(reader.GetString()!);
                }

                return PeftTargetModules.FromNames(names);
            default:
                throw new JsonException($"target_modules must be a list of strings or a string, found {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, PeftTargetModules value, JsonSerializerOptions options)
    {
        if (value.Pattern is not null)
        {
            writer.WriteStringValue(value.Pattern);
            return;
        }

        writer.WriteStartArray();
        foreach (string name in value.Names!)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// <c>init_lora_weights</c>: PEFT writes <c>true</c>/<c>false</c> or a method name (<c>"gaussian"</c>, …).
/// Held as text; <c>"true"</c> and <c>"false"</c> are written back as JSON booleans.
/// </summary>
internal sealed class PeftBoolOrStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"init_lora_weights must be a boolean or a string, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case "true":
                writer.WriteBooleanValue(true);
                break;
            case "false":
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteStringValue(value);
                break;
        }
    }
}

/// <summary><c>rank_pattern</c>'s two forms: LoRA's ranks per module, AdaLoRA's kept triplets per <c>lora_E</c>.</summary>
internal sealed record PeftRankPattern(Dictionary<string, int>? Ranks, Dictionary<string, bool[]>? Kept);

/// <summary>
/// <c>rank_pattern</c> as an object whose values are all integers (LoRA: <c>{"q_proj": 4}</c>) or all lists of booleans
/// (AdaLoRA: <c>{"model.q_proj.lora_E": [true, false, …]}</c>), or null.
/// </summary>
internal sealed class PeftRankPatternConverter : JsonConverter<PeftRankPattern>
{
    public override PeftRankPattern? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"rank_pattern must be an object or null, found {reader.TokenType}.");
        }

        Dictionary<string, int>? ranks = null;
        Dictionary<string, bool[]>? kept = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number && kept is null)
            {
                (ranks ??= [])[key] = reader.TryGetInt32(out int rank) ? rank : throw new JsonException($"rank_pattern['{key}'] is not an integer rank.");
            }
            else if (reader.TokenType == JsonTokenType.StartArray && ranks is null)
            {
                var flags = new List<bool>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    flags.Add(reader.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False => false,
                        _ => throw new JsonException($"rank_pattern['{key}'] must list booleans (AdaLoRA's kept triplets), found {reader.TokenType}."),
                    });
                }

                (kept ??= [])[key] = [.. flags];
            }
            else
            {
                throw new JsonException(
                    $"rank_pattern['{key}'] is {reader.TokenType}; the values must all be integer ranks (LoRA) or all lists of booleans (AdaLoRA).");
            }
        }

        return new PeftRankPattern(kept is null ? ranks ?? [] : null, kept);
    }

    public override void Write(Utf8JsonWriter writer, PeftRankPattern value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, rank) in value.Ranks ?? [])
        {
            writer.WriteNumber(key, rank);
        }

        foreach (var (key, flags) in value.Kept ?? [])
        {
            writer.WriteStartArray(key);
            foreach (bool flag in flags)
            {
                writer.WriteBooleanValue(flag);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}
