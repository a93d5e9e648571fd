using Peft.IO;

namespace Peft.Cli;

/// <summary>
/// Entry point of the <c>peft</c> tool: parses the command line, runs <c>inspect</c>, <c>merge</c> or <c>generate</c>, and
/// turns every failure into one line on stderr (exit 1; exit 2 for bad usage), never a stack trace.
/// </summary>
internal static class PeftCommand
{
    public const string Usage =
        "usage: peft inspect PATH\n" +
        "       peft merge --base MODEL.safetensors --adapter ADAPTER_DIR --out MERGED.safetensors\n" +
        "       peft generate --model DIR [--adapter ADAPTER_DIR] (--ids 1,5,9 | --prompt TEXT) [--max-new-tokens N]\n" +
        "                     [--temperature T] [--top-k K] [--top-p P] [--seed S] [--logits OUT.safetensors]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (args.Length == 0)
            {
                throw new UsageException("no command given");
            }

            switch (args[0])
            {
                case "-h" or "--help" or "help":
                    stdout.WriteLine(Usage);
                    return 0;
                case "inspect":
                    InspectCommand.Run(ParseInspect(args[1..]), stdout);
                    return 0;
                case "merge":
                    var (basePath, adapter, output) = ParseMerge(args[1..]);
                    MergeCommand.Run(basePath, adapter, output, stdout);
                    return 0;
                case "generate":
                    GenerateCommand.Run(GenerateArguments.Parse(ParseOptions(args[1..], "generate", GenerateArguments.Options)), stdout);
                    return 0;
                default:
                    throw new UsageException($"unknown command '{args[0]}'");
            }
        }
        catch (UsageException exception)
        {
            stderr.WriteLine($"peft: {exception.Message}");
            stderr.WriteLine(Usage);
            return 2;
        }
        catch (Exception exception)
        {
            // One clear line; the message already names the file, tensor and offset.
            stderr.WriteLine($"peft: error: {OneLine(exception.Message)}");
            return 1;
        }
    }

    private static string ParseInspect(string[] args) => args switch
    {
        [var path] when !path.StartsWith('-') => path,
        [] => throw new UsageException("inspect needs a PATH (a .safetensors file or an adapter directory)"),
        _ => throw new UsageException($"inspect takes one PATH, got: {string.Join(' ', args)}"),
    };

    private static (string Base, string Adapter, string Output) ParseMerge(string[] args)
    {
        var values = ParseOptions(args, "merge", ["--base", "--adapter", "--out"]);
        foreach (string required in new[] { "--base", "--adapter", "--out" })
        {
            if (!values.ContainsKey(required) || values[required].Length == 0)
            {
                throw new UsageException($"merge needs {required}");
            }
        }

        return (values["--base"], values["--adapter"], values["--out"]);
    }

    /// <summary>Reads <c>--name value</c> / <c>--name=value</c> pairs, each of <paramref name="allowed"/> at most once.</summary>
    private static Dictionary<string, string> ParseOptions(string[] args, string command, IReadOnlyCollection<string> allowed)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string name;
            string value;
            int equals = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg;
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"option '{arg}' needs a value");
                }

                value = args[++i];
            }

            if (!allowed.Contains(name))
            {
                throw new UsageException($"unknown option '{name}' for {command}");
            }

            if (!values.TryAdd(name, value))
            {
                throw new UsageException($"option '{name}' given twice");
            }
        }

        return values;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
