namespace Peft.Models;

/// <summary>
/// How <c>Generate</c> picks tokens. Greedy (the most likely token, the first on ties) unless
/// <see cref="Temperature"/>, <see cref="TopK"/> or <see cref="TopP"/> is set; then it samples, as
/// transformers' <c>do_sample=True</c> does: logits / temperature, keep the top k, keep the smallest set of
/// most likely tokens whose probability reaches top p, renormalise, draw with a generator seeded by <see cref="Seed"/>.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>The most tokens to generate after the prompt.</summary>
    public int MaxNewTokens { get; init; } = 20;

    /// <summary>Divides the logits before sampling (&gt; 0); 0 means greedy.</summary>
    public double? Temperature { get; init; }

    /// <summary>Sample only among the <c>k</c> most likely tokens (&gt; 0).</summary>
    public int? TopK { get; init; }

    /// <summary>Sample only among the most likely tokens whose probabilities sum to <c>p</c> (0 &lt; p ≤ 1).</summary>
    public double? TopP { get; init; }

    /// <summary>The seed of the sampling generator (the same seed draws the same tokens).</summary>
    public int Seed { get; init; }

    /// <summary>Generation stops after producing one of these ids (the end-of-sequence ids of the config by default).</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>Whether tokens are drawn rather than chosen greedily.</summary>
    public bool Samples => Temperature is not 0 && (Temperature is not null || TopK is not null || TopP is not null);

    /// <summary>Checks the ranges; the message names the option.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (MaxNewTokens < 0)
        {
            throw new ArgumentException($"GenerationOptions: MaxNewTokens = {MaxNewTokens} must be zero or more.");
        }

        if (Temperature is double t && (!(t >= 0) || !double.IsFinite(t)))
        {
            throw new ArgumentException($"GenerationOptions: Temperature = {t} must be finite and zero (greedy) or positive.");
        }

        if (TopK is int k && k <= 0)
        {
            throw new ArgumentException($"GenerationOptions: TopK = {k} must be positive.");
        }

        if (TopP is double p && !(p > 0 && p <= 1))
        {
            throw new ArgumentException($"GenerationOptions: TopP = {p} must be in (0, 1].");
        }
    }
}
