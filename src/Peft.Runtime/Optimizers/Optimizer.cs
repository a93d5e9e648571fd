using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// An optimizer over <see cref="ParameterGroup"/>s, in the manner of <c>torch.optim.Optimizer</c>:
/// each <see cref="Step"/> updates every trainable parameter from its accumulated gradient with
/// its group's learning rate and weight decay. Frozen parameters (<see cref="Parameter.Trainable"/>
/// false) are skipped and their per-parameter state and step count do not advance (as PyTorch skips
/// parameters whose gradient is <c>None</c>). State is allocated on a parameter's first update; every
/// later <see cref="Step"/> allocates nothing.
/// </summary>
public abstract class Optimizer
{
    // Added to the total norm before dividing, as torch.nn.utils.clip_grad_norm_ does.
    private const double ClipEpsilon = 1e-6;

    private readonly ParameterGroup[] _groups;
    private readonly object?[][] _state;

    /// <summary>Creates an optimizer over <paramref name="groups"/>.</summary>
    /// <exception cref="ArgumentException">There is no group, or a parameter is in two groups.</exception>
    private protected Optimizer(IEnumerable<ParameterGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _groups = groups.ToArray();
        if (_groups.Length == 0)
        {
            throw new ArgumentException($"{GetType().Name} needs at least one parameter group.", nameof(groups));
        }

        var owner = new Dictionary<Parameter, ParameterGroup>(ReferenceEqualityComparer.Instance);
        _state = new object?[_groups.Length][];
        for (int g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g] ?? throw new ArgumentException(
                $"{GetType().Name}: parameter group {g} is null.", nameof(groups));
            foreach (var parameter in group.ParameterArray)
            {
                if (!owner.TryAdd(parameter, group))
                {
                    throw new ArgumentException(
                        $"{GetType().Name}: parameter '{parameter.Name}' {parameter.ShapeText} is in both group '{owner[parameter].Name}' and group '{group.Name}'.",
                        nameof(groups));
                }
            }

            _state[g] = new object?[group.ParameterArray.Length];
        }
    }

    /// <summary>The parameter groups, in the order given.</summary>
    public IReadOnlyList<ParameterGroup> Groups => _groups;

    /// <summary>The groups as an array, for allocation-free loops (schedulers).</summary>
    internal ParameterGroup[] GroupArray => _groups;

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    public long StepCount { get; private set; }

    /// <summary>The private state slot of parameter <paramref name="index"/> of group <paramref name="group"/> (checkpoints read and restore it).</summary>
    internal ref object? StateSlot(int group, int index) => ref _state[group][index];

    /// <summary>
    /// Forgets the state of <paramref name="parameter"/> (AdamW: its moments and its step count), so that its next update starts
    /// afresh — ReMoRA's optimizer reset. The state is allocated again on that update.
    /// </summary>
    /// <exception cref="ArgumentException">The parameter is in no group of this optimizer.</exception>
    public void ResetState(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        for (int g = 0; g < _groups.Length; g++)
        {
            int index = Array.IndexOf(_groups[g].ParameterArray, parameter);
            if (index >= 0)
            {
                _state[g][index] = null;
                return;
            }
        }

        throw new ArgumentException($"{GetType().Name}: parameter '{parameter.Name}' {parameter.ShapeText} is in none of its groups.", nameof(parameter));
    }

    /// <summary>Sets <see cref="StepCount"/> when a checkpoint is restored.</summary>
    internal void RestoreStepCount(long stepCount) => StepCount = stepCount;

    /// <summary>Updates every trainable parameter from its gradient. Gradients are left as they are.</summary>
    /// <exception cref="InvalidOperationException">Every parameter the optimizer holds is frozen, so the step
    /// would silently train nothing — typically an optimizer created before <c>AttachAdapters</c>, which then
    /// froze the base it holds and added adapters it never saw.</exception>
    public void Step()
    {
        if (!HasTrainableParameter())
        {
            int count = _groups.Sum(static group => group.ParameterArray.Length);
            throw new InvalidOperationException(
                $"{GetType().Name}.Step: all {count} parameters in its {_groups.Length} group(s) are frozen, so the step would train nothing. " +
                "Was the optimizer created before AttachAdapters (which freezes the base and adds adapter parameters this optimizer never saw)? " +
                "Create the optimizer after attaching adapters, e.g. with the generated CreateOptimizer.");
        }

        for (int g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            var parameters = group.ParameterArray;
            var state = _state[g];
            for (int i = 0; i < parameters.Length; i++)
            {
                if (!parameters[i].Trainable)
                {
                    continue;
                }

                if (parameters[i] is Parameter<float> single)
                {
                    Update(group, single, ref state[i]);
                }
                else
                {
                    Update(group, (Parameter<double>)parameters[i], ref state[i]);
                }
            }
        }

        StepCount++;
    }

    private bool HasTrainableParameter()
    {
        foreach (var group in _groups)
        {
            foreach (var parameter in group.ParameterArray)
            {
                if (parameter.Trainable)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Zeroes the gradient of every parameter in every group (frozen ones included).</summary>
    public void ZeroGradients()
    {
        for (int g = 0; g < _groups.Length; g++)
        {
            foreach (var parameter in _groups[g].ParameterArray)
            {
                parameter.ZeroGradient();
            }
        }
    }

    /// <summary>
    /// The L2 norm of the gradients of the trainable parameters of each group, written to
    /// <paramref name="destination"/> (one entry per group). With LoRA+ the ratio of the B group's
    /// norm to the A group's is the quantity to watch. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the group count.</exception>
    public void GradientNorms(Span<double> destination)
    {
        if (destination.Length < _groups.Length)
        {
            throw new ArgumentException(
                $"{GetType().Name}: destination has {destination.Length} entries for {_groups.Length} groups.",
                nameof(destination));
        }

        for (int g = 0; g < _groups.Length; g++)
        {
            destination[g] = Math.Sqrt(SumOfSquaredGradients(_groups[g]));
        }
    }

    /// <summary>The L2 gradient norm of each group, as a new array (see <see cref="GradientNorms(Span{double})"/>).</summary>
    public double[] GradientNorms()
    {
        var norms = new double[_groups.Length];
        GradientNorms(norms);
        return norms;
    }

    /// <summary>
    /// Clips gradients by their global L2 norm over every trainable parameter of every group, as
    /// <c>torch.nn.utils.clip_grad_norm_</c>: <c>total = √(Σ ‖g‖²)</c>; when
    /// <c>c = maxNorm / (total + 1e-6)</c> is below 1, every gradient is multiplied by <c>c</c>.
    /// </summary>
    /// <param name="maxNorm">The largest allowed norm; positive and finite.</param>
    /// <param name="errorIfNonFinite">
    /// When true (the default) a NaN or infinite total norm throws, naming the first offending
    /// parameter; when false the norm is returned and the gradients are left untouched (PyTorch would
    /// scale them by NaN), so the caller can skip the step.
    /// </param>
    /// <returns>The total norm before clipping.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive and finite.</exception>
    /// <exception cref="InvalidOperationException">The norm is not finite and <paramref name="errorIfNonFinite"/> is true.</exception>
    public double ClipGradientNorm(double maxNorm, bool errorIfNonFinite = true)
    {
        if (!double.IsFinite(maxNorm) || maxNorm <= 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum gradient norm must be positive and finite.");
        }

        double sum = 0.0;
        for (int g = 0; g < _groups.Length; g++)
        {
            sum += SumOfSquaredGradients(_groups[g]);
        }

        double total = Math.Sqrt(sum);
        if (!double.IsFinite(total))
        {
            if (errorIfNonFinite)
            {
                throw new InvalidOperationException(
                    $"{GetType().Name}: the total gradient norm is {total}; {DescribeFirstNonFiniteGradient()}");
            }

            return total;
        }

        double coefficient = maxNorm / (total + ClipEpsilon);
        if (coefficient < 1.0)
        {
            for (int g = 0; g < _groups.Length; g++)
            {
                foreach (var parameter in _groups[g].ParameterArray)
                {
                    if (!parameter.Trainable)
                    {
                        continue;
                    }

                    if (parameter is Parameter<float> single)
                    {
                        TensorPrimitives.Multiply(single.Gradient, (float)coefficient, single.Gradient);
                    }
                    else
                    {
                        var wide = (Parameter<double>)parameter;
                        TensorPrimitives.Multiply(wide.Gradient, coefficient, wide.Gradient);
                    }
                }
            }
        }

        return total;
    }

    /// <summary>One group named <c>default</c> holding every parameter of <paramref name="module"/> (frozen ones are skipped at each step).</summary>
    private protected static ParameterGroup[] SingleGroup(Module module, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(module);
        return [new ParameterGroup("default", module.NamedParameters().Select(p => p.Value), learningRate, weightDecay)];
    }

    /// <summary>Applies one update to a trainable parameter; <paramref name="state"/> is its private slot (null before the first update).</summary>
    private protected abstract void Update<T>(ParameterGroup group, Parameter<T> parameter, ref object? state)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>;

    // Σ‖g‖² over the trainable parameters of a group; each parameter's norm is taken in its own
    // precision (as PyTorch does per tensor) and squared and summed in double.
    private static double SumOfSquaredGradients(ParameterGroup group)
    {
        double sum = 0.0;
        foreach (var parameter in group.ParameterArray)
        {
            if (!parameter.Trainable)
            {
                continue;
            }

            double norm = parameter is Parameter<float> single
                ? TensorPrimitives.Norm<float>(single.Gradient)
                : TensorPrimitives.Norm<double>(((Parameter<double>)parameter).Gradient);
            sum += norm * norm;
        }

        return sum;
    }

    private string DescribeFirstNonFiniteGradient()
    {
        foreach (var group in _groups)
        {
            foreach (var parameter in group.ParameterArray)
            {
                if (!parameter.Trainable)
                {
                    continue;
                }

                int index = parameter is Parameter<float> single
                    ? IndexOfNonFinite<float>(single.Gradient)
                    : IndexOfNonFinite<double>(((Parameter<double>)parameter).Gradient);
                if (index >= 0)
                {
                    return $"the gradient of '{parameter.Name}' {parameter.ShapeText} in group '{group.Name}' is not finite at element {index}.";
                }
            }
        }

        return "every gradient element is finite, so the sum of squares overflowed.";
    }

    private static int IndexOfNonFinite<T>(ReadOnlySpan<T> values)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
