using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Peft.Cli;

/// <summary>
/// Entry point of the <c>peft</c> tool: the command line (System.CommandLine: <c>--help</c> on every command,
/// <c>--version</c>, suggestions for mistyped commands and options, completions through the <c>[suggest]</c>
/// directive) for <c>inspect</c>, <c>merge</c>, <c>generate</c> and <c>finetune</c>. Every failure is one line on
/// stderr, never a stack trace: <c>peft: error: …</c> with exit code 1, or for a bad command line the parser's
/// message, any suggestion and a pointer to <c>--help</c> with exit code 2.
/// </summary>
internal static class PeftCommand
{
    /// <summary>The exit code of a command line that does not parse.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Parses <paramref name="args"/> and runs the command, writing to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = CreateRoot(stdout);
        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            return ReportUsageErrors(result, stderr);
        }

        try
        {
            return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException exception)
        {
            stderr.WriteLine($"peft: {exception.Message}");
            stderr.WriteLine(HelpPointer(result));
            return UsageExitCode;
        }
        catch (Exception exception)
        {
            // One clear line; the message already names the option, file, tensor or offset.
            stderr.WriteLine($"peft: error: {exception.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    /// <summary>The <c>peft</c> command and its subcommands, writing their results to <paramref name="stdout"/>.</summary>
    public static RootCommand CreateRoot(TextWriter stdout)
    {
        var root = new RootCommand(
            "Parameter-efficient fine-tuning (LoRA, LoRA+, MoRA) for Llama-family models and safetensors files.")
        {
            HelpName = "peft",
        };
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            // The tool's own version, also when another program hosts it (the default reads the entry assembly).
            version.Action = new PrintVersion(stdout);
        }

        root.Subcommands.Add(InspectCommandLine.Create(stdout));
        root.Subcommands.Add(MergeCommandLine.Create(stdout));
        root.Subcommands.Add(GenerateCommandLine.Create(stdout));
        root.Subcommands.Add(FinetuneCommandLine.Create(stdout));
        return root;
    }

    // "peft: <error>" per parse error, the parser's "did you mean" suggestions, then where help is.
    private static int ReportUsageErrors(ParseResult result, TextWriter stderr)
    {
        foreach (var error in result.Errors)
        {
            stderr.WriteLine($"peft: {error.Message}");
        }

        if (result.Action is ParseErrorAction action)
        {
            action.ShowHelp = false;
            action.ShowTypoCorrections = true;
            result.Invoke(new InvocationConfiguration { Output = stderr, Error = TextWriter.Null });
        }

        stderr.WriteLine(HelpPointer(result));
        return UsageExitCode;
    }

    private static string HelpPointer(ParseResult result)
    {
        string command = result.CommandResult.Command is RootCommand ? "peft" : $"peft {result.CommandResult.Command.Name}";
        return $"Run '{command} --help' for usage.";
    }

    /// <summary><c>--version</c>: the package version of the tool (informational version, with the commit when built from git).</summary>
    private sealed class PrintVersion(TextWriter stdout) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var assembly = typeof(PeftCommand).Assembly;
            stdout.WriteLine(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString());
            return 0;
        }
    }
}
