namespace Peft.Gpu.Training;

/// <summary>Moves an adapted layer to a GPU with one call.</summary>
public static class GpuLinearExtensions
{
    /// <summary>
    /// <see cref="GpuAdaptedLinear.Create"/>: the frozen base, the active adapter and AdamW state on
    /// <paramref name="device"/>, for steps of <paramref name="batch"/> rows.
    /// </summary>
    public static GpuAdaptedLinear ToGpu(this Linear layer, GpuDevice device, AdamW optimizer, int batch, bool inputGradient = false)
        => GpuAdaptedLinear.Create(device, layer, optimizer, batch, inputGradient);
}
