namespace Peft;

/// <summary>
/// Adds an IA³ adapter to the annotated layer (PEFT's <c>IA3Config</c>): a trained vector <c>l</c>, initialised to ones,
/// rescales the output, <c>y = l ⊙ (W0·x + b)</c> (<c>l ∈ R^out</c>), or with <see cref="FeedForward"/> the input,
/// <c>y = W0·(l ⊙ x) + b</c> (<c>l ∈ R^in</c>, PEFT's <c>feedforward_modules</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class IA3Attribute : Attribute
{
    /// <summary>Scale the input (a feed-forward layer, as in the paper) instead of the output.</summary>
    public bool FeedForward { get; set; }
}
