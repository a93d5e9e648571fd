namespace Peft;

/// <summary>
/// MoRA's non-parametric compression and decompression (Jiang et al. 2024). The numeric values
/// are those of the official implementation's <c>mora_type</c>.
/// </summary>
public enum MoRAType
{
    /// <summary>Sum the chunks of length r̂, apply M, tile the result (<c>mora_type = 1</c>).</summary>
    Sharing = 1,

    /// <summary>
    /// Sum r̂ consecutive groups of the input, apply M, repeat each value over r̂ consecutive groups of the output
    /// (<c>mora_type = 2</c>; the first <c>n mod r̂</c> groups are one longer). ReMoRA alternates it with <see cref="Sharing"/>.
    /// </summary>
    Grouped = 2,

    /// <summary>Compress as <see cref="Grouped"/>, decompress as <see cref="Sharing"/> (<c>mora_type = 3</c>).</summary>
    GroupedCompression = 3,

    /// <summary>Compress as <see cref="Sharing"/>, decompress as <see cref="Grouped"/> (<c>mora_type = 4</c>).</summary>
    GroupedDecompression = 4,

    /// <summary>Rotate each chunk with rotary angles, apply M to every chunk, concatenate (<c>mora_type = 6</c>).</summary>
    RoPE = 6,
}
