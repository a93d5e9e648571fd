using Peft.Methods;

namespace Peft;

/// <summary>
/// A MoRA adapter (Jiang et al. 2024): one square trainable matrix <c>M ∈ R^{r̂×r̂}</c>,
/// <c>r̂ = ⌊√((in+out)·Rank) + 0.5⌋</c> (rounded down to even for <see cref="MoRAType.RoPE"/>),
/// between non-parametric compression and decompression. M starts at zero; there is no α.
/// </summary>
public sealed record MoRAOptions : AdapterOptions
{
    /// <inheritdoc />
    internal override Adapter<T> AttachTo<T>(Linear<T> layer, string name) => layer.AttachMoRA(name, this);

    /// <summary>The LoRA rank whose parameter budget MoRA matches: at least 1.</summary>
    public int Rank { get; init; } = MoRAMethod.DefaultRank;

    /// <summary>The compression / decompression operators.</summary>
    public MoRAType Type { get; init; } = MoRAType.Sharing;

    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
        if (!AdapterMethods.Get(AdapterMethod.MoRA).FindArgument(nameof(Rank))!.IsValid(Rank))
        {
            throw new ArgumentException($"{context}: MoRA rank must be at least 1, got {Rank}.", nameof(Rank));
        }

        if (!MoRAMethod.Info.FindArgument(nameof(Type))!.IsValid((int)Type))
        {
            throw new ArgumentException($"{context}: unknown MoRA type {(int)Type}; use Sharing (1), Grouped (2), GroupedCompression (3), GroupedDecompression (4) or RoPE (6).", nameof(Type));
        }

        int squareRank = MoRAShape.ComputeSquareRank(inFeatures, outFeatures, Rank, Type);
        if (!MoRAMethod.FitsShape(Rank, (int)Type, inFeatures, outFeatures))
        {
            throw new ArgumentException(
                $"{context}: MoRA {Type} with in={inFeatures}, out={outFeatures}, rank={Rank} gives r̂={squareRank}; RoPE needs r̂ ≥ 2.",
                nameof(Rank));
        }
    }
}
