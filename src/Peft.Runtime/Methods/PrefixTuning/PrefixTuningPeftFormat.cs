using System.Numerics;
using System.Text.Json;
using Peft.IO;

namespace Peft.Models;

/// <summary>
/// Prefix tuning in PEFT's files: <c>adapter_config.json</c> with <c>peft_type</c> "PREFIX_TUNING" (keys sorted, as PEFT writes
/// them; <c>token_dim</c> = kv heads × head dim and <c>num_attention_heads</c> = kv heads, as PEFT sets them for models with
/// <c>num_key_value_heads</c>) and <c>adapter_model.safetensors</c> holding <c>prompt_embeddings</c> <c>[T, layers·2·token_dim]</c>:
/// the prefix itself, also for a projected one (PEFT saves the projection's output).
/// </summary>
internal static class PrefixTuningPeftFormat
{
    public const string PeftType = "PREFIX_TUNING";
    public static bool IsPrefixTuning(string directory) => PromptLearningConfigFile.PeftTypeOf(directory) == PeftType;

    public static void Save<T>(PrefixTunedCausalLM<T> model, string directory)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var config = model.BaseModel.Config;
        var options = model.Options;
        PromptLearningConfigFile.Save<T>(directory, json =>
        {
            json.WriteNull("auto_mapping");
            json.WriteNull("base_model_name_or_path");
            json.WriteNumber("encoder_hidden_size", options.EncoderHiddenSize ?? model.TokenDim);
            json.WriteBoolean("inference_mode", true);
            PromptLearningConfigFile.WriteStringOrNull(json, "init_weights", options.Init == PrefixTuningInit.Zero ? "zero" : null);
            json.WriteNull("modules_to_save");
            json.WriteNumber("num_attention_heads", config.NumKeyValueHeads);
            json.WriteNumber("num_layers", config.NumHiddenLayers);
            json.WriteNumber("num_transformer_submodules", 1);
            json.WriteNumber("num_virtual_tokens", model.NumVirtualTokens);
            json.WriteString("peft_type", PeftType);
            json.WriteBoolean("prefix_projection", options.PrefixProjection);
            json.WriteNull("revision");
            json.WriteString("task_type", "CAUSAL_LM");
            json.WriteNumber("token_dim", model.TokenDim);
        }, model.NumVirtualTokens, model.Encoder.Width, model.PrefixValues());
    }

    public static PrefixTunedCausalLM<T> Load<T>(LlamaForCausalLM<T> model, string directory, bool isTrainable)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var (configPath, weightsPath) = PromptLearningConfigFile.Files(directory, "prefix-tuning");
        var options = ReadOptions(configPath, model.Config);
        if (isTrainable && options.PrefixProjection)
        {
            throw new InvalidDataException(
                $"{configPath}: prefix_projection is true, so the file holds the projection's output, not the MLP that trains; " +
                "it loads for inference only (PEFT refuses to train it on as well).");
        }

        // As PEFT loads it: the encoder without the projection, its embedding the saved prefix.
        var tuned = new PrefixTunedCausalLM<T>(model, options, project: false);
        var weight = tuned.Encoder.Embedding.Weight;
        PromptLearningConfigFile.ReadPromptEmbeddings<T>(weightsPath, options.NumVirtualTokens, tuned.Encoder.Width,
            "num_virtual_tokens, num_layers·2·token_dim", weight.Value);
        weight.Trainable = isTrainable;
        return tuned;
    }

    private static PrefixTuningOptions ReadOptions(string path, LlamaConfig config)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        PromptLearningConfigFile.CheckPeftType(root, PeftType, path);
        int tokenDim = config.NumKeyValueHeads * config.HeadDim;
        Expect(root, "num_layers", config.NumHiddenLayers, "the model's num_hidden_layers", path);
        Expect(root, "token_dim", tokenDim, "the model's key/value width (num_key_value_heads × head_dim)", path);
        Expect(root, "num_attention_heads", config.NumKeyValueHeads, "the model's num_key_value_heads", path);
        if (root.TryGetProperty("num_transformer_submodules", out var submodules) && submodules.ValueKind != JsonValueKind.Null
            && !(submodules.TryGetInt32(out int count) && count == 1))
        {
            throw new InvalidDataException($"{path}: num_transformer_submodules is {submodules.GetRawText()}; a decoder-only model has 1.");
        }

        string? init = PromptLearningConfigFile.OptionalString(root, "init_weights");
        bool projection = PromptLearningConfigFile.OptionalBool(root, "prefix_projection", fallback: false, path);
        return new PrefixTuningOptions
        {
            NumVirtualTokens = PromptLearningConfigFile.PositiveInt(root, "num_virtual_tokens", path),
            PrefixProjection = projection,
            EncoderHiddenSize = root.TryGetProperty("encoder_hidden_size", out var hidden) && hidden.ValueKind != JsonValueKind.Null
                ? PromptLearningConfigFile.PositiveInt(root, "encoder_hidden_size", path)
                : null,
            Init = init switch
            {
                null => PrefixTuningInit.Random,
                "zero" => PrefixTuningInit.Zero,
                _ => throw new InvalidDataException($"{path}: init_weights '{init}' is not null or \"zero\"."),
            },
        };
    }

    private static void Expect(JsonElement root, string name, int expected, string what, string path)
    {
        int value = PromptLearningConfigFile.PositiveInt(root, name, path);
        if (value != expected)
        {
            throw new InvalidDataException($"{path}: {name} is {value}, but {what} is {expected}.");
        }
    }
}
