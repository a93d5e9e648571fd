using System.CommandLine;

namespace Peft.Cli;

/// <summary>The command line of <c>peft inspect PATH</c>; the work is <see cref="InspectCommand.Run"/>.</summary>
internal static class InspectCommandLine
{
    public static Command Create(TextWriter stdout)
    {
        var path = new Argument<string>("PATH")
        {
            Description = "A .safetensors file, or a PEFT adapter folder (adapter_config.json + adapter_model.safetensors).",
        };
        var command = new Command("inspect", "List the tensors (dtype, shape, bytes, offset) and metadata of a safetensors file, or an adapter folder with its config.")
        {
            path,
        };
        command.SetAction(result => InspectCommand.Run(result.GetRequiredValue(path), stdout));
        return command;
    }
}
