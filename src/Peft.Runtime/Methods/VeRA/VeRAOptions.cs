using Peft.Methods;

namespace Peft;

/// <summary>
/// A VeRA adapter (PEFT's <c>VeraConfig</c>): <c>y = W0·x + λ_b ⊙ (B·(λ_d ⊙ (A·dropout(x))))</c> with the shared frozen
/// projections of <see cref="Projections"/> (created from <see cref="ProjectionPrngKey"/> when not given). Defaults are PEFT's.
/// </summary>
public sealed record VeRAOptions : AdapterOptions
{
    /// <summary>The rank r, at least 1 (it may exceed the layer's width).</summary>
    public int Rank { get; init; } = VeRAMethod.DefaultRank;

    /// <summary>PEFT's <c>projection_prng_key</c>: the seed of torch's generator that draws <c>vera_A</c>, then <c>vera_B</c>.</summary>
    public int ProjectionPrngKey { get; init; }

    /// <summary>PEFT's <c>save_projection</c>: whether the adapter file holds <c>vera_A</c> / <c>vera_B</c>.</summary>
    public bool SaveProjection { get; init; } = true;

    /// <summary>PEFT's <c>vera_dropout</c>, in [0, 1); inactive in evaluation mode.</summary>
    public double Dropout { get; init; }

    /// <summary>PEFT's <c>d_initial</c>: every entry of λ_d starts here; λ_b starts at zero (so the adapter starts as the identity).</summary>
    public double DInitial { get; init; } = VeRAMethod.DefaultDInitial;

    /// <summary>Seed of the dropout masks.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// The shared projections. Null: a layer attached alone gets projections sized to itself;
    /// <see cref="ModuleAdapterExtensions.Apply"/> and the generated <c>AttachAdapters</c> size them to the largest adapted layer, as PEFT.
    /// </summary>
    public VeRAProjections? Projections { get; init; }

    internal override Adapter<T> AttachTo<T>(Linear<T> layer, string name) => layer.AttachVeRA(name, this);

    internal override AdapterOptions ForTargets(IReadOnlyList<(int In, int Out)> shapes) =>
        Projections is not null || shapes.Count == 0
            ? this
            : this with { Projections = VeRAProjections.Create(Rank, shapes.Max(s => s.In), shapes.Max(s => s.Out), ProjectionPrngKey) };

    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
        if (!VeRAMethod.Rank.IsValid(Rank))
        {
            throw new ArgumentException($"{context}: VeRA rank must be at least 1, got {Rank}.", nameof(Rank));
        }

        if (!VeRAMethod.Dropout.IsValid(Dropout))
        {
            throw new ArgumentException($"{context}: VeRA dropout must be in [0, 1), got {Dropout}.", nameof(Dropout));
        }

        if (!VeRAMethod.DInitial.IsValid(DInitial))
        {
            throw new ArgumentException($"{context}: VeRA d_initial must be finite, got {DInitial}.", nameof(DInitial));
        }

        if (Projections is { } p && (p.Rank != Rank || p.MaxInFeatures < inFeatures || p.MaxOutFeatures < outFeatures))
        {
            throw new ArgumentException(
                $"{context}: the shared VeRA projections are vera_A [{p.Rank}, {p.MaxInFeatures}] and vera_B [{p.MaxOutFeatures}, {p.Rank}]; " +
                $"rank {Rank} on Linear [{outFeatures}, {inFeatures}] needs [{Rank}, ≥ {inFeatures}] and [≥ {outFeatures}, {Rank}].",
                nameof(Projections));
        }
    }
}
