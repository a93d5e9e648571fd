using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Peft.Cli;

/// <summary>Options that several commands take, and numeric options whose parse errors name the option and the text.</summary>
internal static class CommonOptions
{
    /// <summary><c>--model DIR</c>: a Hugging Face folder of a Llama-family model.</summary>
    public static Option<string> Model() => new("--model")
    {
        Description = "A Hugging Face folder of a Llama, Mistral or Qwen2 model: config.json and model.safetensors (or shards).",
        HelpName = "DIR",
        Required = true,
    };

    /// <summary>A numeric option with a default, parsed with the invariant culture.</summary>
    public static Option<T> Number<T>(string name, string description, T defaultValue)
        where T : struct, IParsable<T> => new(name)
    {
        Description = description,
        HelpName = HelpNameOf<T>(),
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => Parse<T>(result) ?? defaultValue,
    };

    /// <summary>A numeric option that may be left out (null), parsed with the invariant culture.</summary>
    public static Option<T?> OptionalNumber<T>(string name, string description)
        where T : struct, IParsable<T> => new(name)
    {
        Description = description,
        HelpName = HelpNameOf<T>(),
        CustomParser = Parse<T>,
    };

    // "--top-k takes a whole number, got 'many'." instead of the parser's type name.
    private static T? Parse<T>(ArgumentResult result)
        where T : struct, IParsable<T>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (T.TryParse(text, CultureInfo.InvariantCulture, out T value))
        {
            return value;
        }

        string option = (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
        result.AddError($"{option} takes {(typeof(T) == typeof(double) ? "a number" : "a whole number")}, got '{text}'.");
        return null;
    }

    private static string HelpNameOf<T>() => typeof(T) == typeof(double) ? "X" : "N";
}
