using Peft.Methods;

namespace Peft;

/// <summary>
/// A LoRA adapter: <c>y = W0·x + s·B·(A·dropout(x))</c> with <c>A ∈ R^{r×in}</c>, <c>B ∈ R^{out×r}</c>,
/// <c>s = Alpha/Rank</c> (rsLoRA: <c>Alpha/√Rank</c>). Defaults are PEFT's.
/// </summary>
public record LoRAOptions : AdapterOptions
{
    /// <inheritdoc />
    internal override Adapter<T> AttachTo<T>(Linear<T> layer, string name) => layer.AttachLoRA(name, this);

    /// <summary>The rank r: at least 1 and at most min(in, out).</summary>
    public int Rank { get; init; } = LoRAMethod.DefaultRank;

    /// <summary>α, the numerator of the scale; finite.</summary>
    public double Alpha { get; init; } = LoRAMethod.DefaultAlpha;

    /// <summary>Use rank-stabilised scaling <c>α/√r</c> (Kalajdzievski 2023) instead of <c>α/r</c>.</summary>
    public bool UseRsLoRA { get; init; }

    /// <summary>Dropout probability on the adapter's input, in [0, 1); inactive in evaluation mode.</summary>
    public double Dropout { get; init; }

    /// <summary>How A is initialised (B always starts at zero).</summary>
    public LoRAInit Init { get; init; } = LoRAInit.KaimingUniform;

    /// <summary>Seed of the initialisation and of the dropout masks (runs are reproducible).</summary>
    public int Seed { get; init; }

    /// <summary>The scale s: <c>α/r</c>, or <c>α/√r</c> with <see cref="UseRsLoRA"/>.</summary>
    public virtual double Scale => ComputeScale(Alpha, Rank, UseRsLoRA);

    /// <summary>LoRA's scale: <c>α/r</c>, or <c>α/√r</c> with rsLoRA (the shared <see cref="LoRAMethod.Scale"/>).</summary>
    internal static double ComputeScale(double alpha, int rank, bool useRsLoRA) => LoRAMethod.Scale(alpha, rank, useRsLoRA);

    /// <inheritdoc />
    internal override bool AppliesToEmbeddings => true;

    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
        if (!LoRAMethod.Rank.IsValid(Rank))
        {
            throw new ArgumentException($"{context}: LoRA rank must be at least 1, got {Rank}.", nameof(Rank));
        }

        int limit = Math.Min(inFeatures, outFeatures);
        if (!LoRAMethod.FitsShape(Rank, inFeatures, outFeatures))
        {
            throw new ArgumentException(
                $"{context}: LoRA rank {Rank} exceeds min(in, out) = min({inFeatures}, {outFeatures}) = {limit}.",
                nameof(Rank));
        }

        if (!LoRAMethod.Alpha.IsValid(Alpha))
        {
            throw new ArgumentException($"{context}: LoRA alpha must be finite, got {Alpha}.", nameof(Alpha));
        }

        if (!LoRAMethod.Info.FindArgument(nameof(Dropout))!.IsValid(Dropout))
        {
            throw new ArgumentException($"{context}: LoRA dropout must be in [0, 1), got {Dropout}.", nameof(Dropout));
        }

        if (!LoRAMethod.Info.FindArgument(nameof(Init))!.IsValid((int)Init))
        {
            throw new ArgumentException($"{context}: unknown LoRA init {(int)Init}.", nameof(Init));
        }
    }
}
