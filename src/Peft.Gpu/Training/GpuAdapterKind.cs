namespace Peft.Gpu.Training;

/// <summary>The adapter numerics a GPU plan implements.</summary>
public enum GpuAdapterKind
{
    /// <summary>LoRA and LoRA+ (same forward and backward; LoRA+ differs only in its optimizer groups): <c>Δy = s·B·(A·x)</c>.</summary>
    LoRA,

    /// <summary>MoRA, sharing type: <c>Δy = decompress(M·compress(x))</c>, with <c>Rank</c> = r̂.</summary>
    MoRASharing,

    /// <summary>MoRA, RoPE type: chunks rotated by <c>g·θ</c>, M applied to each, concatenated and tiled; <c>Rank</c> = r̂ (even).</summary>
    MoRARoPE,
}
