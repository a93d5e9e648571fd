namespace Peft;

/// <summary>
/// The <c>rope_scaling</c> (transformers 4) or <c>rope_parameters</c> (transformers 5) of a config, for the
/// rope types <see cref="RotaryEmbedding"/> supports: <c>"default"</c> (no scaling) and <c>"llama3"</c>.
/// </summary>
/// <param name="RopeType">The <c>rope_type</c>: <c>"default"</c> or <c>"llama3"</c>.</param>
/// <param name="Factor">llama3's <c>factor</c> (8 for Llama 3.1): how much low frequencies are slowed.</param>
/// <param name="LowFrequencyFactor">llama3's <c>low_freq_factor</c> (1 for Llama 3.1).</param>
/// <param name="HighFrequencyFactor">llama3's <c>high_freq_factor</c> (4 for Llama 3.1).</param>
/// <param name="OriginalMaxPositionEmbeddings">llama3's <c>original_max_position_embeddings</c> (8192 for Llama 3.1).</param>
public sealed record RopeScaling(
    string RopeType,
    double Factor = 1.0,
    double LowFrequencyFactor = 1.0,
    double HighFrequencyFactor = 4.0,
    int OriginalMaxPositionEmbeddings = 8192)
{
    /// <summary>The rope type without scaling.</summary>
    public const string Default = "default";

    /// <summary>Llama 3.1's frequency-dependent scaling.</summary>
    public const string Llama3 = "llama3";
}
