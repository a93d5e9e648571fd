namespace Peft.Cli;

/// <summary>The adapter method of <c>peft finetune --method</c>.</summary>
internal enum FinetuneMethod
{
    /// <summary>LoRA (Hu et al. 2021).</summary>
    LoRA,

    /// <summary>LoRA+: LoRA with B trained at <c>lr·ratio</c>.</summary>
    LoRAPlus,

    /// <summary>MoRA: one square matrix between non-parametric compression and decompression.</summary>
    MoRA,

    /// <summary>DoRA: a trained magnitude per output row over LoRA's direction (PEFT's <c>use_dora</c>).</summary>
    DoRA,
}

/// <summary>The parsed options of <c>peft finetune</c> (<see cref="FinetuneCommandLine"/>).</summary>
internal sealed record FinetuneArguments
{
    public required string Model { get; init; }

    public required string Data { get; init; }

    public required string Output { get; init; }

    public required IReadOnlyList<string> Targets { get; init; }

    public FinetuneMethod Method { get; init; }

    public int Rank { get; init; } = 8;

    /// <summary>LoRA's α; null = 2·rank.</summary>
    public double? Alpha { get; init; }

    public double Ratio { get; init; } = 16;

    /// <summary>Dropout on the adapter input while training (LoRA, LoRA+, DoRA), in [0, 1).</summary>
    public double Dropout { get; init; }

    /// <summary>rsLoRA's scale α/√r (LoRA, LoRA+, DoRA).</summary>
    public bool UseRsLoRA { get; init; }

    public MoRAType MoRAType { get; init; } = MoRAType.Sharing;

    /// <summary>Optimizer steps; 0 = <see cref="Epochs"/> passes over the training blocks.</summary>
    public int Steps { get; init; }

    public int Epochs { get; init; } = 1;

    public int BatchSize { get; init; } = 4;

    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Tokens per block; capped at the model's <c>max_position_embeddings</c>.</summary>
    public int BlockSize { get; init; } = 256;

    public double LearningRate { get; init; } = 2e-4;

    public int WarmupSteps { get; init; }

    public double MaxGradientNorm { get; init; } = 1.0;

    public double Validation { get; init; } = 0.1;

    /// <summary>Evaluate every this many steps; 0 = at the end only.</summary>
    public int EvaluateEvery { get; init; }

    /// <summary>Checkpoint every this many steps; 0 = at the end only.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Print a progress line every this many steps; 0 = about twenty lines per run.</summary>
    public int LogEvery { get; init; }

    public ulong Seed { get; init; }

    public bool Resume { get; init; }
}
