using Peft.Cli;

namespace Peft.Tests.Cli;

/// <summary>Runs the <c>peft</c> tool in-process through its entry point, capturing the exit code and both streams.</summary>
internal static class PeftRunner
{
    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = PeftCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
