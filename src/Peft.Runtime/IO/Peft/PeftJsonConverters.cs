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
