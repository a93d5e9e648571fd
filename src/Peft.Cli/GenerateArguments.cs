using System.Globalization;
using Peft.Models;

namespace Peft.Cli;

/// <summary>The parsed options of <c>peft generate</c>.</summary>
internal sealed record GenerateArguments(
    string Model, string? Adapter, int[]? Ids, string? Prompt, GenerationOptions Generation, string? LogitsPath)
{
    public static readonly string[] Options =
        ["--model", "--adapter", "--ids", "--prompt", "--max-new-tokens", "--temperature", "--top-k", "--top-p", "--seed", "--logits"];

    public static GenerateArguments Parse(Dictionary<string, string> values)
    {
        if (!values.TryGetValue("--model", out string? model) || model.Length == 0)
        {
            throw new UsageException("generate needs --model");
        }

        bool hasIds = values.TryGetValue("--ids", out string? ids);
        bool hasPrompt = values.TryGetValue("--prompt", out string? prompt);
        if (hasIds == hasPrompt)
        {
            throw new UsageException("generate needs exactly one of --ids and --prompt");
        }

        var generation = new GenerationOptions
        {
            MaxNewTokens = Number(values, "--max-new-tokens", int.Parse) ?? 20,
            Temperature = Number(values, "--temperature", double.Parse),
            TopK = Number(values, "--top-k", int.Parse),
            TopP = Number(values, "--top-p", double.Parse),
            Seed = Number(values, "--seed", int.Parse) ?? 0,
        };
        return new GenerateArguments(model, values.GetValueOrDefault("--adapter"), hasIds ? ParseIds(ids!) : null, prompt, generation, values.GetValueOrDefault("--logits"));
    }

    private static int[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ids[i]))
            {
                throw new UsageException($"--ids takes comma-separated token ids; '{parts[i]}' is not one");
            }
        }

        return ids;
    }

    private static T? Number<T>(Dictionary<string, string> values, string name, Func<string, IFormatProvider, T> parse)
        where T : struct
    {
        if (!values.TryGetValue(name, out string? text))
        {
            return null;
        }

        try
        {
            return parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is FormatException or OverflowException)
        {
            throw new UsageException($"{name} takes a number, got '{text}'");
        }
    }
}
