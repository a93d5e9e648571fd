using System.CommandLine;

namespace Peft.Cli;

/// <summary>The command line of <c>peft merge</c>; the work is <see cref="MergeCommand.Run"/>.</summary>
internal static class MergeCommandLine
{
    public static Command Create(TextWriter stdout)
    {
        var basePath = new Option<string>("--base")
        {
            Description = "The base weights: a .safetensors file, or a Hugging Face model folder (model.safetensors or a sharded index).",
            HelpName = "MODEL.safetensors|MODEL_DIR", Required = true,
        };
        var adapter = new Option<string>("--adapter")
        {
            Description = "The PEFT adapter folder (adapter_config.json + adapter_model.safetensors).", HelpName = "ADAPTER_DIR", Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "The merged .safetensors file to write (atomically); for a model folder, a new or empty folder.",
            HelpName = "MERGED.safetensors|MERGED_DIR", Required = true,
        };
        var command = new Command("merge", "Fold a LoRA or MoRA adapter into base weights: W = W0 + ΔW.") { basePath, adapter, output };
        command.SetAction(result =>
        {
            string basePathValue = result.GetRequiredValue(basePath), adapterValue = result.GetRequiredValue(adapter), outputValue = result.GetRequiredValue(output);
            PathArguments.BaseWeights(basePathValue, "--base");
            PathArguments.AdapterFolder(adapterValue, "--adapter");
            if (Directory.Exists(basePathValue))
            {
                PathArguments.NewFolder(outputValue, "--out");
            }
            else
            {
                PathArguments.OutputFile(outputValue, "--out");
            }

            MergeCommand.Run(basePathValue, adapterValue, outputValue, stdout);
        });
        return command;
    }
}
