namespace Peft;

/// <summary>ReMoRA's schedule (Jiang et al. 2024, §"ReMoRA"; the official code's merge callback).</summary>
public sealed record ReMoRAOptions
{
    /// <summary>Restart every this many optimizer steps (the official <c>use_relora_step</c>); positive.</summary>
    public int MergeEvery { get; init; } = 50;

    /// <summary>Which types follow each other at a restart.</summary>
    public ReMoRACycle Cycle { get; init; } = ReMoRACycle.TwoTypes;

    /// <summary>Whether the optimizer forgets the moments of every MoRA matrix at a restart (the official default).</summary>
    public bool ResetOptimizer { get; init; } = true;

    /// <summary>
    /// Under a <see cref="Training.Trainer"/>, the learning rate warms up again over this many steps after each restart, back
    /// to the rate it had reached, then anneals over the rest of the run (<see cref="Training.Trainer.RestartSchedule"/>): the
    /// official <c>relora_warmup_step</c> (50). 0 leaves the schedule alone. (The official code re-warms only when it also
    /// resets the optimizer; here the two are independent.)
    /// </summary>
    public int RestartWarmupSteps { get; init; } = 50;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field unless the options are usable.</summary>
    internal void Validate()
    {
        if (MergeEvery <= 0)
        {
            throw new ArgumentException($"ReMoRA: MergeEvery must be positive, got {MergeEvery}.", nameof(MergeEvery));
        }

        if (RestartWarmupSteps < 0)
        {
            throw new ArgumentException($"ReMoRA: RestartWarmupSteps must be non-negative, got {RestartWarmupSteps}.", nameof(RestartWarmupSteps));
        }

        if (!Enum.IsDefined(Cycle))
        {
            throw new ArgumentException($"ReMoRA: unknown cycle {(int)Cycle}.", nameof(Cycle));
        }
    }
}

/// <summary>The order of MoRA types across ReMoRA restarts (the official <c>remora_types</c>).</summary>
public enum ReMoRACycle
{
    /// <summary><see cref="MoRAType.Sharing"/> ↔ <see cref="MoRAType.Grouped"/> (<c>remora_types = 2</c>, the default).</summary>
    TwoTypes = 2,

    /// <summary>Sharing → Grouped → GroupedCompression → GroupedDecompression → Sharing (<c>remora_types = 4</c>).</summary>
    FourTypes = 4,
}
