namespace Peft.Training;

/// <summary>
/// The settings of a <see cref="Trainer"/> run, with the defaults of a small fine-tuning job. Length is
/// <see cref="MaxSteps"/> optimizer steps when positive, else <see cref="Epochs"/> passes over the data.
/// The learning rate warms up linearly from 0 over <see cref="WarmupSteps"/>, then follows a cosine down
/// to <see cref="MinLearningRateFactor"/> of its peak at the last step (Hugging Face's
/// <c>get_cosine_schedule_with_warmup</c> with a floor).
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Examples per micro-batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Passes over the training data, used when <see cref="MaxSteps"/> is 0.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Optimizer steps to run; 0 = derive from <see cref="Epochs"/>.</summary>
    public int MaxSteps { get; init; }

    /// <summary>Micro-batches whose gradients are summed (each scaled by 1/k) before one optimizer step.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>The peak learning rate (LoRA+: the rate of A; B gets it times the ratio).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW's β1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW's β2.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW's ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Steps of linear warm-up from 0 to the peak rate.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>The cosine schedule's final rate as a fraction of the peak; 1 keeps the rate constant after warm-up.</summary>
    public double MinLearningRateFactor { get; init; }

    /// <summary>Clip the global gradient norm to this value before each step (0 = no clipping).</summary>
    public double MaxGradientNorm { get; init; }

    /// <summary>Evaluate on the evaluation data every this many steps (0 = only at the end).</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>Stop after this many evaluations without improving the evaluation loss (0 = never stop early).</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>The least decrease of the evaluation loss that counts as an improvement.</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>
    /// The LoRA+ ratio of B's rate to A's. Null (the default): when the model has LoRA+ adapters, their own
    /// ratio; LoRA+ groups are always used when the model has LoRA+ adapters.
    /// </summary>
    public double? LoRAPlusRatio { get; init; }

    /// <summary>Seeds the shuffling of the training data.</summary>
    public ulong Seed { get; init; }

    /// <summary>Whether each epoch visits the examples in a fresh random order.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Where checkpoints go (<c>checkpoint-N</c> folders and a <c>latest</c> file); null = none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Write a checkpoint every this many steps (0 = only at the end) when <see cref="CheckpointDirectory"/> is set.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>How many checkpoints to keep (the newest); at least 1.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Where <c>metrics.csv</c> and <c>metrics.json</c> go (rewritten atomically after each evaluation and at the end); null = none.</summary>
    public string? MetricsDirectory { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        Check(BatchSize > 0, nameof(BatchSize), BatchSize, "positive");
        Check(Epochs > 0 || MaxSteps > 0, nameof(Epochs), Epochs, "positive when MaxSteps is 0");
        Check(MaxSteps >= 0, nameof(MaxSteps), MaxSteps, "non-negative");
        Check(GradientAccumulationSteps > 0, nameof(GradientAccumulationSteps), GradientAccumulationSteps, "positive");
        Check(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "positive and finite (0 would train nothing)");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "finite and non-negative");
        Check(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, "non-negative");
        Check(MinLearningRateFactor is >= 0 and <= 1, nameof(MinLearningRateFactor), MinLearningRateFactor, "in [0, 1]");
        Check(double.IsFinite(MaxGradientNorm) && MaxGradientNorm >= 0, nameof(MaxGradientNorm), MaxGradientNorm, "finite and non-negative (0 = off)");
        Check(EvaluateEvery >= 0, nameof(EvaluateEvery), EvaluateEvery, "non-negative");
        Check(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "non-negative");
        Check(double.IsFinite(EarlyStoppingMinDelta) && EarlyStoppingMinDelta >= 0, nameof(EarlyStoppingMinDelta), EarlyStoppingMinDelta, "finite and non-negative");
        Check(LoRAPlusRatio is null or >= 1 and < double.PositiveInfinity, nameof(LoRAPlusRatio), LoRAPlusRatio ?? 0, "at least 1 and finite");
        Check(CheckpointEvery >= 0, nameof(CheckpointEvery), CheckpointEvery, "non-negative");
        Check(KeepCheckpoints > 0, nameof(KeepCheckpoints), KeepCheckpoints, "positive");
    }

    private static void Check(bool valid, string name, double value, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException(FormattableString.Invariant($"TrainerOptions.{name} is {value}; it must be {rule}."), name);
        }
    }
}
