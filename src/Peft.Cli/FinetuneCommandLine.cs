using System.CommandLine;

namespace Peft.Cli;

/// <summary>The command line of <c>peft finetune</c>; the work is <see cref="FinetuneCommand.Run"/>.</summary>
internal static class FinetuneCommandLine
{
    public static Command Create(TextWriter stdout)
    {
        var defaults = new FinetuneArguments { Model = "", Data = "", Output = "", Targets = [] };
        var model = CommonOptions.Model();
        var data = new Option<string>("--data")
        {
            Description = "The training text: a UTF-8 text file (tokenized whole, packed into blocks) or .jsonl with a \"text\" field per line (one example each).",
            HelpName = "FILE", Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "The folder to write the PEFT adapter (adapter_config.json, adapter_model.safetensors), metrics.csv/json and checkpoints/ into; new or empty unless --resume.",
            HelpName = "ADAPTER_DIR", Required = true,
        };
        var targets = new Option<string>("--target")
        {
            Description = "Comma-separated module names the adapters attach to (PEFT's target_modules).", HelpName = "NAMES",
            DefaultValueFactory = _ => "q_proj,v_proj",
        };
        var method = new Option<string>("--method") { Description = "The adapter method.", DefaultValueFactory = _ => "lora" };
        method.AcceptOnlyFromAmong("lora", "loraplus", "mora", "dora");
        var rank = Positive(CommonOptions.Number("--rank", "The adapter rank r (MoRA: the LoRA rank whose parameter count it matches).", defaults.Rank));
        var alpha = CommonOptions.OptionalNumber<double>("--alpha", "LoRA's α (scale α/r); default 2·rank.");
        var ratio = CommonOptions.Number("--ratio", "LoRA+: the learning-rate ratio of B to A (at least 1).", defaults.Ratio);
        var dropout = CommonOptions.Number("--dropout", "LoRA, LoRA+, DoRA: dropout on the adapter's input while training, in [0, 1) (PEFT's lora_dropout).", defaults.Dropout);
        dropout.Validators.Add(result =>
        {
            double value = result.GetValueOrDefault<double>();
            if (!(value >= 0 && value < 1))
            {
                result.AddError($"--dropout must be in [0, 1), got {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
            }
        });
        var rsLoRA = new Option<bool>("--rslora") { Description = "LoRA, LoRA+, DoRA: rank-stabilised scale α/√r instead of α/r (PEFT's use_rslora)." };
        var moraType = new Option<string>("--mora-type") { Description = "MoRA's compression: sharing or rope.", DefaultValueFactory = _ => "sharing" };
        moraType.AcceptOnlyFromAmong("sharing", "rope");
        var steps = NonNegative(CommonOptions.Number("--steps", "Optimizer steps to run; 0 = --epochs passes over the training blocks.", 0));
        var epochs = Positive(CommonOptions.Number("--epochs", "Passes over the training blocks when --steps is 0.", defaults.Epochs));
        var batchSize = Positive(CommonOptions.Number("--batch-size", "Blocks per micro-batch.", defaults.BatchSize));
        var accumulation = Positive(CommonOptions.Number("--gradient-accumulation", "Micro-batches summed into one optimizer step.", defaults.GradientAccumulation));
        var blockSize = Bounded(CommonOptions.Number("--block-size", "Tokens per block (capped at max_position_embeddings).", defaults.BlockSize), 2, "at least 2");
        var learningRate = CommonOptions.Number("--lr", "The peak learning rate (LoRA+: A's; B gets lr·ratio).", defaults.LearningRate);
        var warmup = NonNegative(CommonOptions.Number("--warmup-steps", "Steps of linear warm-up before the cosine decay.", 0));
        var maxGradientNorm = CommonOptions.Number("--max-grad-norm", "Clip the global gradient norm (0 = off).", defaults.MaxGradientNorm);
        var validation = CommonOptions.Number("--validation", "The fraction of blocks held out for the evaluation loss (0 = none).", defaults.Validation);
        var evaluateEvery = NonNegative(CommonOptions.Number("--eval-every", "Evaluate every N steps (0 = at the end).", 0));
        var checkpointEvery = NonNegative(CommonOptions.Number("--checkpoint-every", "Write a checkpoint to ADAPTER_DIR/checkpoints every N steps (0 = at the end).", 0));
        var logEvery = NonNegative(CommonOptions.Number("--log-every", "Print a progress line every N steps (0 = about twenty lines).", 0));
        var seed = CommonOptions.Number("--seed", "Seeds the split, the shuffling and the adapters' initialisation.", 0UL);
        var resume = new Option<bool>("--resume") { Description = "Continue from the latest checkpoint in ADAPTER_DIR/checkpoints (same options), with the same numbers as an uninterrupted run." };
        var command = new Command("finetune", "Fine-tune a Llama-family model on a text with LoRA, LoRA+, MoRA or DoRA adapters and save the adapter as a PEFT folder.")
        {
            model, data, output, targets, method, rank, alpha, ratio, dropout, rsLoRA, moraType, steps, epochs, batchSize, accumulation, blockSize,
            learningRate, warmup, maxGradientNorm, validation, evaluateEvery, checkpointEvery, logEvery, seed, resume,
        };
        command.SetAction(result =>
        {
            var arguments = new FinetuneArguments
            {
                Model = result.GetRequiredValue(model),
                Data = result.GetRequiredValue(data),
                Output = result.GetRequiredValue(output),
                Targets = result.GetRequiredValue(targets).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Method = result.GetRequiredValue(method) switch
                {
                    "loraplus" => FinetuneMethod.LoRAPlus,
                    "mora" => FinetuneMethod.MoRA,
                    "dora" => FinetuneMethod.DoRA,
                    _ => FinetuneMethod.LoRA,
                },
                Rank = result.GetValue(rank),
                Alpha = result.GetValue(alpha),
                Ratio = result.GetValue(ratio),
                Dropout = result.GetValue(dropout),
                UseRsLoRA = result.GetValue(rsLoRA),
                MoRAType = result.GetRequiredValue(moraType) == "rope" ? MoRAType.RoPE : MoRAType.Sharing,
                Steps = result.GetValue(steps),
                Epochs = result.GetValue(epochs),
                BatchSize = result.GetValue(batchSize),
                GradientAccumulation = result.GetValue(accumulation),
                BlockSize = result.GetValue(blockSize),
                LearningRate = result.GetValue(learningRate),
                WarmupSteps = result.GetValue(warmup),
                MaxGradientNorm = result.GetValue(maxGradientNorm),
                Validation = result.GetValue(validation),
                EvaluateEvery = result.GetValue(evaluateEvery),
                CheckpointEvery = result.GetValue(checkpointEvery),
                LogEvery = result.GetValue(logEvery),
                Seed = result.GetValue(seed),
                Resume = result.GetValue(resume),
            };
            if (arguments.Targets.Count == 0)
            {
                throw new UsageException("--target needs at least one module name, e.g. q_proj,v_proj.");
            }

            if (arguments.Method == FinetuneMethod.MoRA && (arguments.Dropout != 0 || arguments.UseRsLoRA))
            {
                throw new UsageException("--dropout and --rslora apply to lora, loraplus and dora; MoRA has neither.");
            }

            FinetuneCommand.Run(arguments, stdout);
        });
        return command;
    }

    private static Option<int> Positive(Option<int> option) => Bounded(option, 1, "at least 1");

    private static Option<int> NonNegative(Option<int> option) => Bounded(option, 0, "at least 0");

    private static Option<int> Bounded(Option<int> option, int least, string rule)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < least)
            {
                result.AddError($"{option.Name} must be {rule}, got {result.GetValueOrDefault<int>()}.");
            }
        });
        return option;
    }
}
