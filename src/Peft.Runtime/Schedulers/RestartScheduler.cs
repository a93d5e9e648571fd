namespace Peft;

/// <summary>
/// A schedule restarted mid-run from the rate it had reached (<see cref="Peak"/>, as a factor of the base rates): a
/// linear warm-up to it over <see cref="WarmupSteps"/> steps, then the Trainer's cosine annealing down to
/// <c>MinFactor · Peak</c> over the steps that remain. What ReMoRA's restarts do to the learning rate
/// (<see cref="Training.Trainer.RestartSchedule"/>): the official code rebuilds Hugging Face's schedule with the current
/// rate as its base, <c>relora_warmup_step</c> warm-up steps and the remaining steps as its length.
/// <c>factor(t) = Peak·(t + 1)/W</c> for <c>t &lt; W</c> (the first step after the restart already moves), then
/// <c>Peak·(m + (1 − m)·(1 + cos(π·min(u, C)/C))/2)</c> with <c>u = t − W + 1</c> and <c>C = max(1, R − W)</c>.
/// </summary>
public sealed class RestartScheduler : LearningRateScheduler
{
    /// <summary>Creates the schedule and applies step 0.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="peak">The factor the warm-up reaches; finite and non-negative.</param>
    /// <param name="warmupSteps">W; positive.</param>
    /// <param name="steps">R, the steps the schedule covers (warm-up included); at least W.</param>
    /// <param name="minFactor">m, the final factor as a fraction of <paramref name="peak"/>, in [0, 1].</param>
    public RestartScheduler(Optimizer optimizer, double peak, int warmupSteps, int steps, double minFactor)
        : base(optimizer)
    {
        if (!double.IsFinite(peak) || peak < 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(peak), peak, "RestartScheduler: peak must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, warmupSteps);
        if (!(minFactor >= 0.0 && minFactor <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, "RestartScheduler: minFactor must be in [0, 1].");
        }

        (Peak, WarmupSteps, Steps, MinFactor) = (peak, warmupSteps, steps, minFactor);
        Apply();
    }

    /// <summary>The factor reached at the end of the warm-up.</summary>
    public double Peak { get; }

    /// <summary>W.</summary>
    public int WarmupSteps { get; }

    /// <summary>R.</summary>
    public int Steps { get; }

    /// <summary>m.</summary>
    public double MinFactor { get; }

    /// <inheritdoc />
    public override double Factor(int step)
    {
        CheckStep(step);
        if (step < WarmupSteps)
        {
            return Peak * (step + 1) / WarmupSteps;
        }

        return Peak * CosineScheduler.Anneal(step - WarmupSteps + 1, Math.Max(1, Steps - WarmupSteps), MinFactor);
    }
}
