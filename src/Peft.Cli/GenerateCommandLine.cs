using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Peft.Models;

namespace Peft.Cli;

/// <summary>The command line of <c>peft generate</c>; the work is <see cref="GenerateCommand.Run"/>.</summary>
internal static class GenerateCommandLine
{
    public static Command Create(TextWriter stdout)
    {
        var model = CommonOptions.Model();
        var adapter = new Option<string>("--adapter")
        {
            Description = "A PEFT adapter folder to load onto the model.", HelpName = "ADAPTER_DIR",
        };
        var ids = new Option<int[]>("--ids")
        {
            Description = "The prompt as comma-separated token ids, e.g. 1,5,9.", HelpName = "IDS", CustomParser = ParseIds,
        };
        var prompt = new Option<string>("--prompt")
        {
            Description = "The prompt as text, through the model folder's tokenizer (tokenizer.model or tokenizer.json).", HelpName = "TEXT",
        };
        var maxNewTokens = CommonOptions.Number("--max-new-tokens", "The most tokens to generate; generation also stops after an eos_token_id of the config.", 20);
        var temperature = CommonOptions.OptionalNumber<double>("--temperature", "Sampling temperature (0 = greedy).");
        var topK = CommonOptions.OptionalNumber<int>("--top-k", "Sample among the K most likely tokens.");
        var topP = CommonOptions.OptionalNumber<double>("--top-p", "Sample among the most likely tokens whose probability reaches P.");
        var seed = CommonOptions.Number("--seed", "The sampling seed (the same seed draws the same tokens).", 0);
        var logits = new Option<string>("--logits")
        {
            Description = "Also write the prompt's logits [1, prompt length, vocab] float32 to this .safetensors file.", HelpName = "OUT.safetensors",
        };
        var command = new Command("generate", "Continue a prompt with a Llama-family model (and a PEFT adapter), greedily or by sampling.")
        {
            model, adapter, ids, prompt, maxNewTokens, temperature, topK, topP, seed, logits,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(ids) is null) == (result.GetResult(prompt) is null))
            {
                result.AddError("generate needs exactly one of --ids and --prompt.");
            }
        });
        command.SetAction(result =>
        {
            var arguments = new GenerateArguments(
                result.GetRequiredValue(model), result.GetValue(adapter), result.GetResult(ids) is null ? null : result.GetValue(ids), result.GetValue(prompt),
                new GenerationOptions
                {
                    MaxNewTokens = result.GetValue(maxNewTokens),
                    Temperature = result.GetValue(temperature),
                    TopK = result.GetValue(topK),
                    TopP = result.GetValue(topP),
                    Seed = result.GetValue(seed),
                },
                result.GetValue(logits));
            PathArguments.ModelFolder(arguments.Model, "--model");
            if (arguments.Adapter is { } adapterPath)
            {
                PathArguments.AdapterFolder(adapterPath, "--adapter");
            }

            GenerateCommand.Run(arguments, stdout);
        });
        return command;
    }

    private static int[]? ParseIds(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(',', result.Tokens.Select(t => t.Value));
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
            {
                result.AddError($"--ids takes comma-separated token ids; '{parts[i]}' is not one.");
                return null;
            }
        }

        return values;
    }
}
