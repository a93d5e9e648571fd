using System.Numerics;
using System.Text.Json;
using Peft.IO;

namespace Peft.Models;

/// <summary>
/// Prompt tuning in PEFT's files: <c>adapter_config.json</c> with <c>peft_type</c> "PROMPT_TUNING" (keys sorted, as
/// PEFT writes them) and <c>adapter_model.safetensors</c> holding one tensor, <c>prompt_embeddings</c> <c>[T, token_dim]</c>.
/// </summary>
internal static class PromptTuningPeftFormat
{
    public const string PeftType = "PROMPT_TUNING";
    public static void Save<T>(PromptTunedCausalLM<T> model, string directory)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var config = model.BaseModel.Config;
        var options = model.Options;
        var prompt = model.PromptEmbeddings;
        PromptLearningConfigFile.Save<T>(directory, json =>
        {
            json.WriteNull("auto_mapping");
            json.WriteNull("base_model_name_or_path");
            json.WriteBoolean("inference_mode", true);
            json.WriteNull("modules_to_save");
            json.WriteNumber("num_attention_heads", config.NumAttentionHeads);
            json.WriteNumber("num_layers", config.NumHiddenLayers);
            json.WriteNumber("num_transformer_submodules", 1);
            json.WriteNumber("num_virtual_tokens", model.NumVirtualTokens);
            json.WriteString("peft_type", PeftType);
            json.WriteString("prompt_tuning_init", InitName(options.Init));
            PromptLearningConfigFile.WriteStringOrNull(json, "prompt_tuning_init_text", options.InitText);
            json.WriteNull("revision");
            json.WriteString("task_type", "CAUSAL_LM");
            json.WriteNumber("token_dim", config.HiddenSize);
            json.WriteNull("tokenizer_kwargs");
            PromptLearningConfigFile.WriteStringOrNull(json, "tokenizer_name_or_path", options.TokenizerNameOrPath);
        }, prompt.Shape[0], prompt.Shape[1], prompt.Value);
    }

    public static PromptTunedCausalLM<T> Load<T>(LlamaForCausalLM<T> model, string directory, bool isTrainable)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var (configPath, weightsPath) = PromptLearningConfigFile.Files(directory, "prompt-tuning");
        var options = ReadOptions(configPath, model.Config.HiddenSize);
        var tuned = new PromptTunedCausalLM<T>(model, options, tokenize: null, initialize: false);
        PromptLearningConfigFile.ReadPromptEmbeddings<T>(weightsPath, options.NumVirtualTokens, model.Config.HiddenSize,
            "num_virtual_tokens, token_dim", tuned.PromptEmbeddings.Value);
        tuned.PromptEmbeddings.Trainable = isTrainable;
        return tuned;
    }

    public static bool IsPromptTuning(string directory) => PromptLearningConfigFile.PeftTypeOf(directory) == PeftType;

    private static PromptTuningOptions ReadOptions(string path, int hiddenSize)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        PromptLearningConfigFile.CheckPeftType(root, PeftType, path);

        int virtualTokens = PromptLearningConfigFile.PositiveInt(root, "num_virtual_tokens", path);
        int tokenDim = PromptLearningConfigFile.PositiveInt(root, "token_dim", path);
        if (tokenDim != hiddenSize)
        {
            throw new InvalidDataException($"{path}: token_dim is {tokenDim}, but the model's hidden_size is {hiddenSize}.");
        }

        string init = root.TryGetProperty("prompt_tuning_init", out var initElement) && initElement.ValueKind == JsonValueKind.String
            ? initElement.GetString()!
            : "RANDOM";
        return new PromptTuningOptions
        {
            NumVirtualTokens = virtualTokens,
            Init = init switch
            {
                "RANDOM" => PromptTuningInit.Random,
                "TEXT" => PromptTuningInit.Text,
                "SAMPLE_VOCAB" => PromptTuningInit.SampleVocab,
                _ => throw new InvalidDataException($"{path}: prompt_tuning_init '{init}' is not RANDOM, TEXT or SAMPLE_VOCAB."),
            },
            InitText = PromptLearningConfigFile.OptionalString(root, "prompt_tuning_init_text"),
            TokenizerNameOrPath = PromptLearningConfigFile.OptionalString(root, "tokenizer_name_or_path"),
        };
    }

    private static string InitName(PromptTuningInit init) => init switch
    {
        PromptTuningInit.Random => "RANDOM",
        PromptTuningInit.Text => "TEXT",
        PromptTuningInit.SampleVocab => "SAMPLE_VOCAB",
        _ => throw new ArgumentOutOfRangeException(nameof(init)),
    };
}
