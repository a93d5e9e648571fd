namespace Peft;

/// <summary>
/// Prefix tuning (Li and Liang, 2021; PEFT's <c>PrefixTuningConfig</c>): trainable keys and values that every attention
/// layer attends to before the tokens. Without <see cref="PrefixProjection"/> the prefix itself is the parameter
/// (P-tuning v2, "deep prompt tuning"); with it, the prefix is an MLP of <see cref="NumVirtualTokens"/> embeddings.
/// </summary>
public sealed record PrefixTuningOptions
{
    /// <summary>How many virtual positions each layer attends to (<c>num_virtual_tokens</c>); positive.</summary>
    public int NumVirtualTokens { get; init; } = 20;

    /// <summary>
    /// Whether the prefix is <c>Linear(token_dim → encoder_hidden) → tanh → Linear(→ layers·2·token_dim)</c> of embeddings
    /// <c>[T, token_dim]</c> (<c>prefix_projection</c>); false: the prefix <c>[T, layers·2·token_dim]</c> is trained directly.
    /// </summary>
    public bool PrefixProjection { get; init; }

    /// <summary>The projection's hidden width (<c>encoder_hidden_size</c>); null: <c>token_dim</c>, as PEFT defaults it.</summary>
    public int? EncoderHiddenSize { get; init; }

    /// <summary>How the prefix starts (<c>init_weights</c>).</summary>
    public PrefixTuningInit Init { get; init; } = PrefixTuningInit.Random;

    /// <summary>Seed of the random initialisation.</summary>
    public int Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field unless the options are usable.</summary>
    internal void Validate()
    {
        if (NumVirtualTokens <= 0)
        {
            throw new ArgumentException($"Prefix tuning: num_virtual_tokens must be positive, got {NumVirtualTokens}.", nameof(NumVirtualTokens));
        }

        if (EncoderHiddenSize is <= 0)
        {
            throw new ArgumentException($"Prefix tuning: encoder_hidden_size must be positive, got {EncoderHiddenSize}.", nameof(EncoderHiddenSize));
        }

        if (!Enum.IsDefined(Init))
        {
            throw new ArgumentException($"Prefix tuning: unknown init_weights {(int)Init}.", nameof(Init));
        }
    }
}
