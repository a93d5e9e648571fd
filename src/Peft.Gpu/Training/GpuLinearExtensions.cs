namespace Peft.Gpu.Training;

/// <summary>Moves an adapted layer to a GPU with one call.</summary>
public static class GpuLinearExtensions
{
    /// <summary>
    /// <see cref="GpuAdaptedLinear.Create"/>: the frozen base, the active adapter and AdamW state on
    /// <paramref name="device"/>, for steps of <paramref name="batch"/> rows.
    /// </summary>
    public static GpuAdaptedLinear ToGpu(this Linear layer, GpuDevice device, AdamW optimizer, int batch, bool inputGradient = false,
        GpuBasePrecision basePrecision = GpuBasePrecision.Float32)
        => GpuAdaptedLinear.Create(device, layer, optimizer, batch, inputGradient, basePrecision);

    /// <summary>
    /// The same, from the plan's descriptor — what a generated model emits per layer
    /// (<c>model.HiddenGpuDescriptor(batch)</c>, from the attribute's constants). It must describe the layer as it is:
    /// an adapter attached with other options than the attribute's, or another active adapter, is refused before
    /// anything is uploaded.
    /// </summary>
    /// <exception cref="ArgumentException">The descriptor differs from the layer's; the message names the fields.</exception>
    public static GpuAdaptedLinear ToGpu(this Linear layer, GpuDevice device, AdamW optimizer, AdaptedLinearDescriptor descriptor,
        GpuBasePrecision basePrecision = GpuBasePrecision.Float32)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        CheckDescribes(descriptor, layer);
        return GpuAdaptedLinear.Create(device, layer, optimizer, descriptor.Batch, descriptor.ComputeInputGradient, basePrecision);
    }

    /// <summary>
    /// <see cref="GpuAdaptedSequential.Create"/>: a <c>Linear (ReLU Linear)*</c> model with its adapters and AdamW state on
    /// <paramref name="device"/>, trained there one cross-entropy step per submission.
    /// </summary>
    public static GpuAdaptedSequential ToGpu(this Sequential model, GpuDevice device, AdamW optimizer, int batch,
        GpuBasePrecision basePrecision = GpuBasePrecision.Float32)
        => GpuAdaptedSequential.Create(device, model, optimizer, batch, basePrecision);

    /// <summary>Throws unless <paramref name="descriptor"/> equals the descriptor of <paramref name="layer"/> (no device involved).</summary>
    internal static void CheckDescribes(AdaptedLinearDescriptor descriptor, Linear layer)
    {
        var actual = GpuAdaptedLinear.Describe(layer, descriptor.Batch, descriptor.ComputeInputGradient).Descriptor with { BaseHalfGemm = descriptor.BaseHalfGemm };
        if (actual == descriptor)
        {
            return;
        }

        var differences = new List<string>();
        void Compare<T>(string field, T given, T expected)
        {
            if (!EqualityComparer<T>.Default.Equals(given, expected))
            {
                differences.Add($"{field} {given} (the layer: {expected})");
            }
        }

        Compare(nameof(descriptor.Kind), descriptor.Kind, actual.Kind);
        Compare(nameof(descriptor.InFeatures), descriptor.InFeatures, actual.InFeatures);
        Compare(nameof(descriptor.OutFeatures), descriptor.OutFeatures, actual.OutFeatures);
        Compare(nameof(descriptor.Rank), descriptor.Rank, actual.Rank);
        Compare(nameof(descriptor.Scale), descriptor.Scale, actual.Scale);
        Compare(nameof(descriptor.HasBias), descriptor.HasBias, actual.HasBias);
        throw new ArgumentException(
            $"GPU Linear [{layer.OutFeatures}, {layer.InFeatures}]: the descriptor does not describe the layer: {string.Join(", ", differences)}.",
            nameof(descriptor));
    }
}
