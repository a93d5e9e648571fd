using Peft.Methods;

namespace Peft;

/// <summary>
/// What the LyCORIS-family adapters (<see cref="LoHaOptions"/>, <see cref="LoKrOptions"/>) share, as PEFT's
/// <c>LycorisConfig</c>: rank, α (scale <c>s = α/r</c>), rank and module dropout, and the seed. Defaults are PEFT's.
/// </summary>
public abstract record LyCORISOptions : AdapterOptions
{
    private protected LyCORISOptions()
    {
    }

    /// <summary>The rank r of the low-rank factors: at least 1.</summary>
    public int Rank { get; init; } = LoHaMethod.DefaultRank;

    /// <summary>α, the numerator of the scale <c>s = α/r</c>; finite.</summary>
    public double Alpha { get; init; } = LoRAMethod.DefaultAlpha;

    /// <summary>PEFT's <c>rank_dropout</c>, in [0, 1): in training each output row of ΔW is dropped with this probability.</summary>
    public double RankDropout { get; init; }

    /// <summary>PEFT's <c>module_dropout</c>, in [0, 1): in training the whole adapter is skipped with this probability per forward.</summary>
    public double ModuleDropout { get; init; }

    /// <summary>Seed of the initialisation and of the dropout draws (runs are reproducible).</summary>
    public int Seed { get; init; }

    /// <summary>The scale <c>s = α/r</c> (PEFT's <c>alpha / r</c>; no rsLoRA variant).</summary>
    public double Scale => LoHaMethod.Scale(Alpha, Rank);

    /// <summary>The method's shared description, whose rules <see cref="Validate"/> applies.</summary>
    private protected abstract AdapterMethodInfo Method { get; }

    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
        string name = Method.DisplayName;
        Check(context, nameof(Rank), Rank, $"{name} rank must be at least 1, got {Rank}.");
        Check(context, nameof(Alpha), Alpha, $"{name} alpha must be finite, got {Alpha}.");
        Check(context, nameof(RankDropout), RankDropout, $"{name} rank dropout must be in [0, 1), got {RankDropout}.");
        Check(context, nameof(ModuleDropout), ModuleDropout, $"{name} module dropout must be in [0, 1), got {ModuleDropout}.");
    }

    /// <summary>Throws naming <paramref name="context"/> when the shared description rejects <paramref name="value"/>.</summary>
    private protected void Check(string context, string argument, double value, string message)
    {
        if (!Method.FindArgument(argument)!.IsValid(value))
        {
            throw new ArgumentException($"{context}: {message}", argument);
        }
    }
}
