namespace Peft;

/// <summary>
/// A learning-rate schedule driving an <see cref="Optimizer"/>, used as PyTorch's
/// <c>torch.optim.lr_scheduler</c>: construct it after the optimizer (it sets step 0's rates),
/// then call <see cref="Step"/> once after each <see cref="Optimizer.Step"/>. Every group gets
/// <c>LearningRate = BaseLearningRate · Factor(step)</c> with one shared factor, so the ratios
/// between groups (LoRA+'s B/A ratio) are kept exactly.
/// </summary>
public abstract class LearningRateScheduler
{
    /// <summary>Binds the schedule to <paramref name="optimizer"/>; the derived constructor applies step 0.</summary>
    protected LearningRateScheduler(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
    }

    /// <summary>The optimizer whose groups are scheduled.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The current step (PyTorch's <c>last_epoch</c>): 0 after construction, +1 per <see cref="Step"/>.</summary>
    public int CurrentStep { get; private set; }

    /// <summary>The factor applied at the current step.</summary>
    public double CurrentFactor => Factor(CurrentStep);

    /// <summary>The multiplier of the base learning rates at <paramref name="step"/> (≥ 0).</summary>
    public abstract double Factor(int step);

    /// <summary>Advances one step and sets every group's learning rate.</summary>
    public void Step()
    {
        CurrentStep = checked(CurrentStep + 1);
        Apply();
    }

    /// <summary>Sets every group's <see cref="ParameterGroup.LearningRate"/> to its base rate times <see cref="CurrentFactor"/>.</summary>
    protected void Apply()
    {
        double factor = CurrentFactor;
        if (!double.IsFinite(factor) || factor < 0.0)
        {
            throw new InvalidOperationException($"{GetType().Name}: factor {factor} at step {CurrentStep} is not a finite non-negative number.");
        }

        foreach (var group in Optimizer.GroupArray)
        {
            group.LearningRate = group.BaseLearningRate * factor;
        }
    }

    /// <summary>Throws unless <paramref name="step"/> is non-negative.</summary>
    protected void CheckStep(int step)
    {
        if (step < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"{GetType().Name}: step must be non-negative.");
        }
    }
}
