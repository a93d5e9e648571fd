namespace Peft;

/// <summary>
/// Stochastic gradient descent with optional momentum and Nesterov momentum, the same update as
/// PyTorch's <c>torch.optim.SGD</c> (weight decay coupled: added to the gradient). Per parameter:
/// <c>d = g + wd·p</c>; <c>b = μ·b + (1 − dampening)·d</c> (<c>b = d</c> on the first step);
/// <c>d = d + μ·b</c> (Nesterov) or <c>d = b</c>; <c>p ← p − lr·d</c>.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates an SGD optimizer over <paramref name="groups"/>.</summary>
    /// <param name="groups">The parameter groups, each with its learning rate and weight decay.</param>
    /// <param name="momentum">The momentum factor μ; finite and non-negative (0 = plain SGD).</param>
    /// <param name="dampening">The dampening of the momentum buffer, in [0, 1].</param>
    /// <param name="nesterov">Whether to use Nesterov momentum (needs μ &gt; 0 and no dampening).</param>
    /// <exception cref="ArgumentException">A hyperparameter is out of range or the groups are invalid.</exception>
    public Sgd(IEnumerable<ParameterGroup> groups, double momentum = 0.0, double dampening = 0.0, bool nesterov = false)
        : base(groups)
    {
        if (!double.IsFinite(momentum) || momentum < 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"SGD: momentum must be finite and non-negative, got {momentum}.");
        }

        if (!(dampening >= 0.0 && dampening <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(dampening), dampening, $"SGD: dampening must be in [0, 1], got {dampening}.");
        }

        if (nesterov && (momentum <= 0.0 || dampening != 0.0))
        {
            throw new ArgumentException(
                $"SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum {momentum} and dampening {dampening}.",
                nameof(nesterov));
        }

        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>
    /// Creates an SGD optimizer with one group holding every parameter of <paramref name="module"/>
    /// (frozen ones are skipped at each step).
    /// </summary>
    public Sgd(Module module, double learningRate, double momentum = 0.0, double weightDecay = 0.0, bool nesterov = false)
        : this(SingleGroup(module, learningRate, weightDecay), momentum, 0.0, nesterov)
    {
    }

    /// <summary>The momentum factor μ.</summary>
    public double Momentum { get; }

    /// <summary>The dampening of the momentum buffer.</summary>
    public double Dampening { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    private protected override void Update<T>(ParameterGroup group, Parameter<T> parameter, ref object? state)
    {
        bool firstStep = false;
        T[] buffer = [];
        if (Momentum != 0.0)
        {
            firstStep = state is null;
            buffer = (T[])(state ??= new T[parameter.Length]);
        }

        var coefficients = new SgdKernel.Coefficients<T>(
            group.LearningRate, group.WeightDecay, Momentum, Dampening, Nesterov, firstStep);
        SgdKernel.Update<T>(parameter.Value, parameter.Gradient, buffer, coefficients);
    }
}
