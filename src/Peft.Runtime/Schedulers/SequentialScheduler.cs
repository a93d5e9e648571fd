namespace Peft;

/// <summary>
/// Chains schedules at milestones, as PyTorch's <c>SequentialLR</c>: schedule <c>i</c> runs from
/// milestone <c>i−1</c> (0 for the first) and sees steps counted from its own start, so
/// <c>factor(t) = schedulers[i].Factor(t − milestones[i−1])</c> with <c>i</c> the number of milestones ≤ t.
/// Typical use: a <see cref="LinearScheduler"/> warm-up, then a <see cref="CosineScheduler"/>.
/// </summary>
public sealed class SequentialScheduler : LearningRateScheduler
{
    private readonly LearningRateScheduler[] _schedulers;
    private readonly int[] _milestones;

    /// <summary>Creates the chain and applies step 0 of the first schedule.</summary>
    /// <param name="optimizer">The optimizer to drive; every schedule must drive it too.</param>
    /// <param name="schedulers">The schedules, in order; at least one.</param>
    /// <param name="milestones">Strictly increasing positive steps, one fewer than the schedules.</param>
    public SequentialScheduler(Optimizer optimizer, IReadOnlyList<LearningRateScheduler> schedulers, IReadOnlyList<int> milestones)
        : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0 || milestones.Count != schedulers.Count - 1)
        {
            throw new ArgumentException(
                $"SequentialScheduler needs one milestone fewer than schedules, got {schedulers.Count} schedules and {milestones.Count} milestones.",
                nameof(milestones));
        }

        for (int i = 0; i < schedulers.Count; i++)
        {
            if (schedulers[i] is null || !ReferenceEquals(schedulers[i].Optimizer, optimizer))
            {
                throw new ArgumentException($"SequentialScheduler: schedule {i} is null or drives another optimizer.", nameof(schedulers));
            }
        }

        for (int i = 0; i < milestones.Count; i++)
        {
            if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1]))
            {
                throw new ArgumentException(
                    $"SequentialScheduler: milestones must be positive and strictly increasing, got [{string.Join(", ", milestones)}].",
                    nameof(milestones));
            }
        }

        _schedulers = schedulers.ToArray();
        _milestones = milestones.ToArray();
        Apply();
    }

    /// <summary>The chained schedules.</summary>
    public IReadOnlyList<LearningRateScheduler> Schedulers => _schedulers;

    /// <summary>The steps at which the next schedule takes over.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <inheritdoc />
    public override double Factor(int step)
    {
        CheckStep(step);
        int index = 0;
        while (index < _milestones.Length && _milestones[index] <= step)
        {
            index++;
        }

        int start = index == 0 ? 0 : _milestones[index - 1];
        return _schedulers[index].Factor(step - start);
    }
}
