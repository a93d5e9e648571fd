namespace Peft;

/// <summary>
/// MoRA's non-parametric compression and decompression (Jiang et al. 2024). The numeric values
/// are those of the official implementation's <c>mora_type</c>.
/// </summary>
public enum MoRAType
{
    /// <summary>Sum the chunks of length r̂, apply M, tile the result (<c>mora_type = 1</c>).</summary>
    Sharing = 1,

    /// <summary>Rotate each chunk with rotary angles, apply M to every chunk, concatenate (<c>mora_type = 6</c>).</summary>
    RoPE = 6,
}
