namespace Peft;

/// <summary>
/// Rotary-embedding frequency scaling as transformers' <c>rope_scaling</c> / <c>rope_parameters</c> describe it
/// (only <c>rope_type</c> "llama3" changes the frequencies; "default" is no scaling at all).
/// </summary>
/// <param name="RopeType">The scaling kind, "llama3".</param>
/// <param name="Factor"><c>factor</c>: how much longer the context is than the original.</param>
/// <param name="LowFrequencyFactor"><c>low_freq_factor</c>.</param>
/// <param name="HighFrequencyFactor"><c>high_freq_factor</c>.</param>
/// <param name="OriginalMaxPositionEmbeddings"><c>original_max_position_embeddings</c>.</param>
public sealed record RopeScaling(string RopeType, double Factor, double LowFrequencyFactor, double HighFrequencyFactor, int OriginalMaxPositionEmbeddings);
