using Peft.Methods;

namespace Peft;

/// <summary>
/// A LoHa adapter (PEFT's <c>LoHaConfig</c>): <c>ΔW = s·(W1a·W1b) ⊙ (W2a·W2b)</c> with <c>W1a, W2a ∈ R^{out×r}</c>,
/// <c>W1b, W2b ∈ R^{r×in}</c>, <c>s = Alpha/Rank</c>. Defaults are PEFT's.
/// </summary>
public sealed record LoHaOptions : LyCORISOptions
{
    /// <summary>
    /// PEFT's <c>init_weights</c>: true starts W1a, W1b, W2a Kaiming-uniform (a = √5) and W2b at zero (ΔW = 0);
    /// false draws W2b Kaiming-uniform too.
    /// </summary>
    public bool InitWeights { get; init; } = true;

    internal override Adapter<T> AttachTo<T>(Linear<T> layer, string name) => layer.AttachLoHa(name, this);

    private protected override AdapterMethodInfo Method => LoHaMethod.Info;
}
