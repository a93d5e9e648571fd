namespace Peft;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), the same update as PyTorch's
/// <c>torch.optim.AdamW</c> (no AMSGrad, not maximizing). Per parameter, with step count <c>t</c>:
/// <c>p ← p·(1 − lr·wd)</c>; <c>m ← β1·m + (1 − β1)·g</c>; <c>v ← β2·v + (1 − β2)·g²</c>;
/// <c>p ← p − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε)</c>.
/// </summary>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates an AdamW optimizer over <paramref name="groups"/>.</summary>
    /// <param name="groups">The parameter groups, each with its learning rate and weight decay.</param>
    /// <param name="beta1">The first-moment decay β1, in [0, 1).</param>
    /// <param name="beta2">The second-moment decay β2, in [0, 1).</param>
    /// <param name="epsilon">The denominator term ε; positive and finite.</param>
    /// <exception cref="ArgumentException">A hyperparameter is out of range or the groups are invalid.</exception>
    public AdamW(IEnumerable<ParameterGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : base(groups)
    {
        CheckBeta(beta1, nameof(beta1));
        CheckBeta(beta2, nameof(beta2));
        if (!double.IsFinite(epsilon) || epsilon <= 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"AdamW: epsilon must be positive and finite, got {epsilon}.");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>
    /// Creates an AdamW optimizer with one group holding every parameter of <paramref name="module"/>
    /// (frozen ones are skipped at each step), with PyTorch's defaults lr = 1e-3 and weight decay = 1e-2.
    /// </summary>
    public AdamW(Module module, double learningRate = 1e-3, double weightDecay = 1e-2,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
        : this(SingleGroup(module, learningRate, weightDecay), beta1, beta2, epsilon)
    {
    }

    /// <summary>The first-moment decay β1.</summary>
    public double Beta1 { get; }

    /// <summary>The second-moment decay β2.</summary>
    public double Beta2 { get; }

    /// <summary>The denominator term ε, added after the square root of the bias-corrected second moment.</summary>
    public double Epsilon { get; }

    private protected override void Update<T>(ParameterGroup group, Parameter<T> parameter, ref object? state)
    {
        var moments = (Moments<T>)(state ??= new Moments<T>(parameter.Length));
        moments.Step++;
        var coefficients = new AdamWKernel.Coefficients<T>(
            group.LearningRate, group.WeightDecay, Beta1, Beta2, Epsilon, moments.Step);
        AdamWKernel.Update<T>(parameter.Value, parameter.Gradient, moments.ExpAvg, moments.ExpAvgSq, coefficients);
    }

    private static void CheckBeta(double beta, string name)
    {
        if (!(beta >= 0.0 && beta < 1.0))
        {
            throw new ArgumentOutOfRangeException(name, beta, $"AdamW: {name} must be in [0, 1), got {beta}.");
        }
    }

    /// <summary>A parameter's running moments and its own step count (PyTorch's <c>state['step']</c>); checkpoints save and restore it.</summary>
    internal sealed class Moments<T>(int length)
    {
        public readonly T[] ExpAvg = new T[length];
        public readonly T[] ExpAvgSq = new T[length];
        public long Step;
    }
}
