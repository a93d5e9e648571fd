using Peft.Methods;

namespace Peft;

/// <summary>
/// A LoKr adapter (PEFT's <c>LoKrConfig</c>): <c>ΔW = s·(W1 ⊗ W2)</c>, <c>s = Alpha/Rank</c>, the widths split by
/// <see cref="DecomposeFactor"/> (see <see cref="LoKrShape"/>). Defaults are PEFT's.
/// </summary>
public sealed record LoKrOptions : LyCORISOptions
{
    /// <summary>PEFT's <c>decompose_both</c>: W1 too becomes <c>W1a·W1b</c> when r is below half its larger side.</summary>
    public bool DecomposeBoth { get; init; }

    /// <summary>PEFT's <c>decompose_factor</c>: −1 splits each width near its square root; a positive factor must divide in and out.</summary>
    public int DecomposeFactor { get; init; } = LoKrMethod.DefaultFactor;

    /// <summary>PEFT's <c>rank_dropout_scale</c>: divide the kept rows by the kept fraction.</summary>
    public bool RankDropoutScale { get; init; }

    /// <summary>PEFT's <c>init_weights</c>.</summary>
    public LoKrInit Init { get; init; } = LoKrInit.Default;

    internal override Adapter<T> AttachTo<T>(Linear<T> layer, string name) => layer.AttachLoKr(name, this);

    private protected override AdapterMethodInfo Method => LoKrMethod.Info;

    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
        base.Validate(context, inFeatures, outFeatures);
        Check(context, nameof(DecomposeFactor), DecomposeFactor, $"LoKr decompose factor must be -1 or at least 1, got {DecomposeFactor}.");
        Check(context, nameof(Init), (int)Init, $"unknown LoKr init {(int)Init}.");
        if (!LoKrMethod.FactorDivides(DecomposeFactor, inFeatures, outFeatures))
        {
            throw new ArgumentException(
                $"{context}: LoKr decompose factor {DecomposeFactor} must divide in = {inFeatures} and out = {outFeatures}.",
                nameof(DecomposeFactor));
        }
    }
}
