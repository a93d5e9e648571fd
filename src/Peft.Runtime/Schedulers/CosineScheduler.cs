namespace Peft;

/// <summary>
/// Cosine annealing, the closed form of PyTorch's <c>CosineAnnealingLR</c> with the minimum given
/// as a fraction of each group's base rate (so group ratios are kept):
/// <c>factor(t) = m + (1 − m) · (1 + cos(π · min(t, T) / T)) / 2</c>; after <c>T</c> steps the
/// factor stays at <c>m</c> (Hugging Face's cosine schedule; PyTorch's recursive form would rise again).
/// </summary>
public sealed class CosineScheduler : LearningRateScheduler
{
    /// <summary>Creates the schedule and applies step 0.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="steps">The annealing length <c>T</c>; positive.</param>
    /// <param name="minFactor">The final factor <c>m</c>, in [0, 1] (0 anneals to zero).</param>
    public CosineScheduler(Optimizer optimizer, int steps, double minFactor = 0.0)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (!(minFactor >= 0.0 && minFactor <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, "CosineScheduler: minFactor must be in [0, 1].");
        }

        Steps = steps;
        MinFactor = minFactor;
        Apply();
    }

    /// <summary>The annealing length.</summary>
    public int Steps { get; }

    /// <summary>The final factor, as a fraction of the base rate.</summary>
    public double MinFactor { get; }

    /// <inheritdoc />
    public override double Factor(int step)
    {
        CheckStep(step);
        return Anneal(step, Steps, MinFactor);
    }

    /// <summary>The cosine from 1 at step 0 to <paramref name="minFactor"/> at <paramref name="steps"/>, constant after.</summary>
    internal static double Anneal(int step, int steps, double minFactor)
    {
        double progress = (double)Math.Min(step, steps) / steps;
        return minFactor + (1.0 - minFactor) * (1.0 + Math.Cos(Math.PI * progress)) / 2.0;
    }
}
