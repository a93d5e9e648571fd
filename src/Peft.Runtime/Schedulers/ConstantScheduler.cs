namespace Peft;

/// <summary>
/// A constant schedule, as PyTorch's <c>ConstantLR</c>: factor <see cref="InitialFactor"/> for the
/// first <see cref="Steps"/> steps, then 1. The defaults (factor 1, 0 steps) keep the base rates.
/// </summary>
public sealed class ConstantScheduler : LearningRateScheduler
{
    /// <summary>Creates the schedule and applies step 0.</summary>
    /// <param name="optimizer">The optimizer to drive.</param>
    /// <param name="factor">The factor before <paramref name="steps"/>; finite and non-negative.</param>
    /// <param name="steps">How many steps use <paramref name="factor"/>; non-negative.</param>
    public ConstantScheduler(Optimizer optimizer, double factor = 1.0, int steps = 0)
        : base(optimizer)
    {
        if (!double.IsFinite(factor) || factor < 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "ConstantScheduler: factor must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        InitialFactor = factor;
        Steps = steps;
        Apply();
    }

    /// <summary>The factor used before <see cref="Steps"/>.</summary>
    public double InitialFactor { get; }

    /// <summary>How many steps use <see cref="InitialFactor"/>.</summary>
    public int Steps { get; }

    /// <inheritdoc />
    public override double Factor(int step)
    {
        CheckStep(step);
        return step < Steps ? InitialFactor : 1.0;
    }
}
