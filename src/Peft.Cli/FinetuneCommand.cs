using Peft.IO;
using Peft.Models;
using Peft.Training;

namespace Peft.Cli;

/// <summary>
/// <c>peft finetune</c>: loads a Llama-family folder and its tokenizer, tokenizes the text and packs it into blocks
/// (<see cref="TextDataset"/>), holds out a seeded validation split, attaches LoRA / LoRA+ / MoRA / DoRA adapters on the
/// target modules (base frozen), trains them with the <see cref="Trainer"/> over <see cref="CausalLMObjective{T}"/>
/// (warm-up + cosine, clipping, evaluation, checkpoints that resume bit for bit), and saves the adapter as a PEFT
/// folder that <c>peft generate --adapter</c> and Python PEFT load.
/// </summary>
internal static class FinetuneCommand
{
    /// <summary>Where the checkpoints go inside the output folder.</summary>
    public const string CheckpointFolder = "checkpoints";

    public static TrainingResult Run(FinetuneArguments arguments, TextWriter stdout)
    {
        PathArguments.ModelFolder(arguments.Model, "--model");
        PathArguments.InputFile(arguments.Data, "--data");
        if (!PretrainedTokenizer.Exists(arguments.Model))
        {
            throw new ArgumentException(
                $"--model: {arguments.Model} has no {PretrainedTokenizer.SentencePieceFile} or {PretrainedTokenizer.TokenizerJsonFile}; finetune tokenizes --data with the model's tokenizer.");
        }

        PathArguments.OutputFolder(arguments.Output, "--out", mayHoldRun: arguments.Resume);

        var model = LlamaForCausalLM.FromPretrained(arguments.Model);
        var tokenizer = PretrainedTokenizer.Load(arguments.Model);
        var config = model.Config;
        stdout.WriteLine(FormattableString.Invariant($"model: {arguments.Model} ({config.ModelType}, {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, vocabulary {config.VocabSize})"));

        var (train, validation) = LoadData(arguments, model.Config, text => tokenizer.EncodeToIds(text), stdout);
        var modules = model.Apply(new AdapterConfig { TargetModules = arguments.Targets, Options = AdapterOptions(arguments) });
        long trainable = model.NamedParameters<float>().Where(p => p.Value.Trainable).Sum(p => (long)p.Value.Length);
        stdout.WriteLine(FormattableString.Invariant(
            $"adapter: {Describe(arguments)} on {string.Join(", ", arguments.Targets)}: {modules.Count} modules, {trainable} trainable parameters"));

        var trainer = new Trainer(model, new CausalLMObjective<float>(model), train, new TrainerOptions
        {
            BatchSize = arguments.BatchSize,
            MaxSteps = arguments.Steps,
            Epochs = arguments.Epochs,
            GradientAccumulationSteps = arguments.GradientAccumulation,
            LearningRate = arguments.LearningRate,
            WarmupSteps = arguments.WarmupSteps,
            MaxGradientNorm = arguments.MaxGradientNorm,
            EvaluateEvery = arguments.EvaluateEvery,
            Seed = arguments.Seed,
            CheckpointDirectory = Path.Combine(arguments.Output, CheckpointFolder),
            CheckpointEvery = arguments.CheckpointEvery,
            MetricsDirectory = arguments.Output,
        }, validation.Count > 0 ? validation : null);
        var progress = new FinetuneProgress(stdout, train.SequenceLength, arguments.LogEvery);
        trainer.Callbacks.Add(progress);
        if (validation.Count > 0 && !arguments.Resume)
        {
            progress.ReportInitialEvaluation(trainer.Evaluate());
        }

        var result = trainer.Fit(resume: arguments.Resume);
        model.SaveAdapter(arguments.Output, template: new PeftAdapterConfig { BaseModelNameOrPath = arguments.Model, TaskType = "CAUSAL_LM" });
        stdout.WriteLine($"adapter: {arguments.Output} ({PeftAdapterDirectory.ConfigFileName}, {PeftAdapterDirectory.WeightsFileName}); metrics.csv, metrics.json and {CheckpointFolder}/ beside it");
        return result;
    }

    // Plain text is tokenized whole and packed into blocks; JSONL gives one example per line.
    private static (TextDataset Train, TextDataset Validation) LoadData(
        FinetuneArguments arguments, LlamaConfig config, Func<string, IReadOnlyList<int>> tokenize, TextWriter stdout)
    {
        int block = Math.Min(arguments.BlockSize, config.MaxPositionEmbeddings);
        int pad = config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : 0;
        var all = arguments.Data.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
            ? TextDataset.LoadJsonl(arguments.Data, tokenize, block, padTokenId: pad)
            : TextDataset.LoadText(arguments.Data, tokenize, block, pad);
        var split = all.Split(arguments.Validation, arguments.Seed);
        stdout.WriteLine(FormattableString.Invariant(
            $"data: {arguments.Data}: {all.Count} blocks of {block} tokens, {split.Train.Count} for training, {split.Validation.Count} for validation"));
        return split;
    }

    private static AdapterOptions AdapterOptions(FinetuneArguments arguments)
    {
        int seed = unchecked((int)arguments.Seed);
        double alpha = arguments.Alpha ?? 2.0 * arguments.Rank;
        return arguments.Method switch
        {
            FinetuneMethod.LoRA => new LoRAOptions { Rank = arguments.Rank, Alpha = alpha, Dropout = arguments.Dropout, UseRsLoRA = arguments.UseRsLoRA, Seed = seed },
            FinetuneMethod.LoRAPlus => new LoRAPlusOptions
            {
                Rank = arguments.Rank, Alpha = alpha, Ratio = arguments.Ratio, Dropout = arguments.Dropout, UseRsLoRA = arguments.UseRsLoRA, Seed = seed,
            },
            FinetuneMethod.MoRA => new MoRAOptions { Rank = arguments.Rank, Type = arguments.MoRAType },
            FinetuneMethod.DoRA => new DoRAOptions { Rank = arguments.Rank, Alpha = alpha, Dropout = arguments.Dropout, UseRsLoRA = arguments.UseRsLoRA, Seed = seed },
        };
    }

    private static string Describe(FinetuneArguments arguments) => arguments.Method switch
    {
        FinetuneMethod.LoRA => FormattableString.Invariant($"LoRA r {arguments.Rank}, alpha {arguments.Alpha ?? 2.0 * arguments.Rank}{LoRAExtras(arguments)}"),
        FinetuneMethod.LoRAPlus => FormattableString.Invariant($"LoRA+ r {arguments.Rank}, alpha {arguments.Alpha ?? 2.0 * arguments.Rank}, ratio {arguments.Ratio}{LoRAExtras(arguments)}"),
        FinetuneMethod.MoRA => FormattableString.Invariant($"MoRA ({arguments.MoRAType}) rank {arguments.Rank}"),
        FinetuneMethod.DoRA => FormattableString.Invariant($"DoRA r {arguments.Rank}, alpha {arguments.Alpha ?? 2.0 * arguments.Rank}{LoRAExtras(arguments)}"),
    };

    /// <summary>", dropout p" and ", rsLoRA" when set.</summary>
    private static string LoRAExtras(FinetuneArguments arguments) =>
        (arguments.Dropout != 0 ? FormattableString.Invariant($", dropout {arguments.Dropout}") : "") + (arguments.UseRsLoRA ? ", rsLoRA" : "");
}
