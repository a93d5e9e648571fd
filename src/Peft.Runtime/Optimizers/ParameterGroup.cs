namespace Peft;

/// <summary>
/// A named set of parameters that share a learning rate and a weight decay, as a
/// <c>param_group</c> of a PyTorch optimizer. LoRA+ builds several (A at <c>lr</c>, B at
/// <c>lr·ratio</c>, embedding adapters at <c>lr_embedding</c>, a no-decay group for biases and
/// norm weights); schedulers scale every group from its <see cref="BaseLearningRate"/> by the
/// same factor, so the ratios between groups are kept exactly.
/// </summary>
public sealed class ParameterGroup
{
    private readonly Parameter[] _parameters;
    private double _learningRate;
    private double _baseLearningRate;
    private double _weightDecay;

    /// <summary>Creates a group; <see cref="BaseLearningRate"/> starts equal to <paramref name="learningRate"/>.</summary>
    /// <param name="name">A name for messages and monitoring (for example <c>lora_B</c>).</param>
    /// <param name="parameters">The parameters; may be empty. Only float and double parameters are supported.</param>
    /// <param name="learningRate">The learning rate; finite and non-negative.</param>
    /// <param name="weightDecay">The weight decay coefficient; finite and non-negative (0 = none).</param>
    /// <exception cref="ArgumentException">A value is out of range, a parameter repeats or has an unsupported element type.</exception>
    public ParameterGroup(string name, IEnumerable<Parameter> parameters, double learningRate, double weightDecay = 0.0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(parameters);
        Name = name;
        _parameters = parameters.ToArray();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i] ?? throw new ArgumentException(
                $"Parameter group '{name}': parameter {i} is null.", nameof(parameters));
            if (parameter is not (Parameter<float> or Parameter<double>))
            {
                throw new ArgumentException(
                    $"Parameter group '{name}': parameter '{parameter.Name}' has element type {parameter.ElementType.Name}; optimizers support float and double.",
                    nameof(parameters));
            }

            for (int j = 0; j < i; j++)
            {
                if (ReferenceEquals(_parameters[j], parameter))
                {
                    throw new ArgumentException(
                        $"Parameter group '{name}': parameter '{parameter.Name}' {parameter.ShapeText} appears twice.",
                        nameof(parameters));
                }
            }
        }

        LearningRate = learningRate;
        BaseLearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>The parameters, in the order given. Frozen ones stay in the group and are skipped by updates.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The learning rate used by the next <see cref="Optimizer.Step"/>; schedulers overwrite it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = CheckNonNegative(value, nameof(LearningRate));
    }

    /// <summary>
    /// The learning rate schedulers scale from (PyTorch's <c>initial_lr</c>):
    /// <c>LearningRate = BaseLearningRate · factor(step)</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double BaseLearningRate
    {
        get => _baseLearningRate;
        set => _baseLearningRate = CheckNonNegative(value, nameof(BaseLearningRate));
    }

    /// <summary>The weight decay coefficient (coupled for SGD, decoupled for AdamW).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
    public double WeightDecay
    {
        get => _weightDecay;
        set => _weightDecay = CheckNonNegative(value, nameof(WeightDecay));
    }

    /// <summary>The parameters as an array, for allocation-free loops inside the optimizers.</summary>
    internal Parameter[] ParameterArray => _parameters;

    /// <summary>
    /// Whether a parameter is conventionally exempt from weight decay: biases and norm weights
    /// (<see cref="ParameterRole.Bias"/>, <see cref="ParameterRole.NormWeight"/>), as Hugging Face's
    /// trainers and PEFT's <c>create_loraplus_optimizer</c> exclude them.
    /// </summary>
    public static bool IsExemptFromWeightDecay(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter.Role is ParameterRole.Bias or ParameterRole.NormWeight;
    }

    /// <summary>
    /// The usual two groups for a model: <c>decay</c> (every parameter except biases and norm
    /// weights) at <paramref name="weightDecay"/> and <c>no_decay</c> at 0, both at
    /// <paramref name="learningRate"/>. Frozen parameters are left out.
    /// </summary>
    public static ParameterGroup[] ForModule(Module module, double learningRate, double weightDecay = 0.0)
    {
        ArgumentNullException.ThrowIfNull(module);
        var trainable = module.NamedParameters().Select(p => p.Value).Where(p => p.Trainable).ToList();
        return
        [
            new ParameterGroup("decay", trainable.Where(p => !IsExemptFromWeightDecay(p)), learningRate, weightDecay),
            new ParameterGroup("no_decay", trainable.Where(IsExemptFromWeightDecay), learningRate, 0.0),
        ];
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {_parameters.Length} parameters, lr {LearningRate:G6} (base {BaseLearningRate:G6}), weight decay {WeightDecay:G6}";

    private double CheckNonNegative(double value, string what)
    {
        if (!double.IsFinite(value) || value < 0.0)
        {
            throw new ArgumentOutOfRangeException(what, value,
                $"Parameter group '{Name}': {what} must be finite and non-negative, got {value}.");
        }

        return value;
    }
}
