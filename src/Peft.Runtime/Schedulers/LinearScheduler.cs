namespace Peft;

/// <summary>
/// A linear schedule, as PyTorch's <c>LinearLR</c>:
/// <c>factor(t) = start + (end − start) · min(t, T) / T</c>. The defaults (start 0, end 1) are a
/// linear warm-up over <c>T</c> steps (Hugging Face's warm-up starts at 0 too); start 1, end 0 is a
/// linear decay.
/// </summary>
public sealed class LinearScheduler : LearningRateScheduler
{
    /// <summary>Creates the schedule and applies step 0.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="steps">The length <c>T</c> of the ramp; positive.</param>
    /// <param name="startFactor">The factor at step 0; finite and non-negative.</param>
    /// <param name="endFactor">The factor from step <c>T</c> on; finite and non-negative.</param>
    public LinearScheduler(Optimizer optimizer, int steps, double startFactor = 0.0, double endFactor = 1.0)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (!double.IsFinite(startFactor) || startFactor < 0.0 || !double.IsFinite(endFactor) || endFactor < 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor),
                $"LinearScheduler: factors must be finite and non-negative, got start {startFactor}, end {endFactor}.");
        }

        Steps = steps;
        StartFactor = startFactor;
        EndFactor = endFactor;
        Apply();
    }

    /// <summary>The length of the ramp.</summary>
    public int Steps { get; }

    /// <summary>The factor at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor from step <see cref="Steps"/> on.</summary>
    public double EndFactor { get; }

    /// <inheritdoc />
    public override double Factor(int step)
    {
        CheckStep(step);
        return StartFactor + (EndFactor - StartFactor) * Math.Min(step, Steps) / Steps;
    }
}
