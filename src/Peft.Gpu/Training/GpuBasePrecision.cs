namespace Peft.Gpu.Training;

/// <summary>The precision of a frozen base layer's products on the GPU.</summary>
public enum GpuBasePrecision
{
    /// <summary>float32 throughout (the tiled SGEMM).</summary>
    Float32,

    /// <summary>
    /// float16 operands with float32 accumulation on cooperative matrices (tensor cores), where the device offers them
    /// (<see cref="GpuDevice.HalfGemm"/>); the adapter, loss and optimizer stay float32.
    /// </summary>
    Float16,
}
