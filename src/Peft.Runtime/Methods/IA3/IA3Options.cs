namespace Peft;

/// <summary>
/// An IA³ adapter (PEFT's <c>IA3Config</c>): <c>y = l ⊙ (W0·x + b)</c>, or with <see cref="FeedForward"/>
/// <c>y = W0·(l ⊙ x) + b</c>; <c>l</c> starts at ones (PEFT's <c>init_ia3_weights</c>).
/// </summary>
public sealed record IA3Options : AdapterOptions
{
    /// <summary>Scale the input (PEFT's <c>feedforward_modules</c>) instead of the output.</summary>
    public bool FeedForward { get; init; }

    internal override Adapter<T> AttachTo<T>(Linear<T> layer, string name) => layer.AttachIA3(name, this);

    /// <summary>Any layer shape fits: IA³ has no rank and no scale.</summary>
    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
    }
}
