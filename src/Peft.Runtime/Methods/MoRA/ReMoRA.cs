using System.Numerics;
using Peft.Training;

namespace Peft;

/// <summary>
/// ReMoRA (Jiang et al. 2024): MoRA whose square matrix is merged into the base weight and restarted every
/// <see cref="ReMoRAOptions.MergeEvery"/> steps, the compression and decompression switching type at each restart
/// (Sharing ↔ Grouped, or through all four) so that successive M's update different subspaces, and the optimizer's
/// moments of M forgotten, and — as a <see cref="Trainer"/> callback — the learning rate warmed up again
/// (<see cref="ReMoRAOptions.RestartWarmupSteps"/>). Use it as a Trainer callback, or call <see cref="Step"/> after each
/// optimizer step (then the schedule is yours to restart).
/// </summary>
/// <remarks>
/// A restart changes the base weights: save them (<c>SaveWeights</c>) together with the adapter, or merge the adapter before
/// saving, to keep what was learned — the adapter file alone holds only the updates since the last restart (the official code
/// saves the base model at every restart for the same reason). A restart allocates (the new kernel, the merge); the steps
/// between restarts do not.
/// </remarks>
public sealed class ReMoRA : ITrainerCallback
{
    private readonly Module _model;
    private Optimizer? _optimizer;
    private Trainer? _trainer;

    /// <summary>Schedules restarts of every MoRA adapter of <paramref name="model"/>.</summary>
    /// <param name="model">The model whose MoRA adapters restart.</param>
    /// <param name="options">The schedule.</param>
    /// <param name="optimizer">The optimizer whose moments of M are forgotten at a restart; as a Trainer callback, the Trainer's.</param>
    /// <exception cref="ArgumentException">The options are invalid, the model has no MoRA adapter, or one is RoPE (whose r̂ no
    /// grouped type shares); the message names the layer.</exception>
    public ReMoRA(Module model, ReMoRAOptions options, Optimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (_model, Options, _optimizer) = (model, options, optimizer);
        int count = 0;
        foreach (var (path, type) in Adapters())
        {
            if (type is MoRAType.RoPE)
            {
                throw new ArgumentException($"ReMoRA: layer '{path}' has a RoPE MoRA adapter; ReMoRA cycles the sharing and grouped types.", nameof(model));
            }

            count++;
        }

        if (count == 0)
        {
            throw new ArgumentException("ReMoRA: the model has no MoRA adapter.", nameof(model));
        }
    }

    /// <summary>The schedule.</summary>
    public ReMoRAOptions Options { get; }

    /// <summary>How many restarts have happened.</summary>
    public int Restarts { get; private set; }

    /// <summary>The type that follows <paramref name="type"/> at a restart.</summary>
    public static MoRAType Next(MoRAType type, ReMoRACycle cycle) => (cycle, type) switch
    {
        (ReMoRACycle.TwoTypes, MoRAType.Sharing) => MoRAType.Grouped,
        (ReMoRACycle.TwoTypes, MoRAType.Grouped) => MoRAType.Sharing,
        (ReMoRACycle.FourTypes, MoRAType.Sharing) => MoRAType.Grouped,
        (ReMoRACycle.FourTypes, MoRAType.Grouped) => MoRAType.GroupedCompression,
        (ReMoRACycle.FourTypes, MoRAType.GroupedCompression) => MoRAType.GroupedDecompression,
        (ReMoRACycle.FourTypes, MoRAType.GroupedDecompression) => MoRAType.Sharing,
        _ => throw new ArgumentException($"ReMoRA: MoRA type {type} is not in the {cycle} cycle.", nameof(type)),
    };

    /// <summary>After optimizer step number <paramref name="step"/> (from 1): restarts when it is a multiple of <see cref="ReMoRAOptions.MergeEvery"/>.</summary>
    /// <returns>Whether a restart happened.</returns>
    public bool Step(long step)
    {
        if (step <= 0 || step % Options.MergeEvery != 0)
        {
            return false;
        }

        Restart();
        return true;
    }

    /// <summary>Restarts now: every MoRA adapter merges into its layer, M becomes zero, the type moves on, the optimizer forgets M.</summary>
    public void Restart()
    {
        foreach (var (_, module) in _model.NamedModules())
        {
            switch (module)
            {
                case Linear<float> single:
                    Restart(single);
                    break;
                case Linear<double> wide:
                    Restart(wide);
                    break;
            }
        }

        Restarts++;
    }

    void ITrainerCallback.OnTrainBegin(Trainer trainer)
    {
        _optimizer ??= trainer.Optimizer;
        _trainer = trainer;
    }

    // After the restart, the learning rate warms up again (the official callback rebuilds the scheduler).
    void ITrainerCallback.OnStep(in StepMetrics metrics)
    {
        if (Step(metrics.Step) && Options.RestartWarmupSteps > 0)
        {
            _trainer?.RestartSchedule(Options.RestartWarmupSteps);
        }
    }

    private void Restart<T>(Linear<T> layer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        foreach (var adapter in layer.Adapters)
        {
            if (adapter is MoRAAdapter<T> mora)
            {
                mora.MergeAndReset(Next(mora.Options.Type, Options.Cycle));
                if (Options.ResetOptimizer)
                {
                    _optimizer?.ResetState(mora.M);
                }
            }
        }
    }

    private IEnumerable<(string Path, MoRAType Type)> Adapters()
    {
        foreach (var (path, module) in _model.NamedModules())
        {
            IEnumerable<MoRAType> types = module switch
            {
                Linear<float> single => single.Adapters.OfType<MoRAAdapter<float>>().Select(a => a.Options.Type),
                Linear<double> wide => wide.Adapters.OfType<MoRAAdapter<double>>().Select(a => a.Options.Type),
                _ => [],
            };
            foreach (var type in types)
            {
                yield return (path, type);
            }
        }
    }
}
