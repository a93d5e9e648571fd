using Peft.Gpu.Kernels;

namespace Peft.Gpu.Training;

/// <summary>
/// Everything the GPU plan of one adapted Linear depends on, as plain data: adapter numerics, sizes, rank (r, or r̂
/// for MoRA), scale, bias, batch and whether dL/dx is wanted. A source generator that knows a layer's shape at
/// compile time can emit this record as a constant, and <see cref="AdaptedLinearPlan"/> turns it into dispatches:
/// per product the GEMM block shape (<see cref="GemmTiling.Choose"/>), pipeline, bindings, push constants, workgroups;
/// <see cref="GpuAdaptedLinear"/> builds it from a runtime layer.
/// </summary>
/// <param name="Kind">The adapter numerics.</param>
/// <param name="InFeatures">in.</param>
/// <param name="OutFeatures">out.</param>
/// <param name="Rank">r for LoRA, r̂ (the side of M) for MoRA.</param>
/// <param name="Scale">s (α/r or α/√r) for LoRA; 1 for MoRA.</param>
/// <param name="HasBias">Whether the base layer adds a bias.</param>
/// <param name="Batch">Rows per step.</param>
/// <param name="ComputeInputGradient">Whether the backward pass writes dL/dx.</param>
public sealed record AdaptedLinearDescriptor(
    GpuAdapterKind Kind, int InFeatures, int OutFeatures, int Rank, float Scale, bool HasBias, int Batch, bool ComputeInputGradient)
{
    /// <summary>
    /// When set, the frozen base's two products (y = x·W0ᵀ and dL/dx = dL/dy·W0) run on the half-precision
    /// cooperative-matrix GEMM in this device's tile shape: W0 kept in float16 beside its float32 copy (converted once),
    /// x and dL/dy converted at each step, float32 accumulation. The adapter's products, the loss and AdamW stay float32
    /// (as PEFT's autocast keeps the LoRA weights in float32). Null: everything float32.
    /// </summary>
    public HalfGemmShape? BaseHalfGemm { get; init; }

    /// <summary>Whether the adapter is MoRA (either type).</summary>
    public bool IsMoRA => Kind is GpuAdapterKind.MoRASharing or GpuAdapterKind.MoRARoPE;

    /// <summary>MoRA's cyclically padded input length P = ⌈in/r̂⌉·r̂ (in for LoRA).</summary>
    public int PaddedLength => IsMoRA ? (InFeatures + Rank - 1) / Rank * Rank : InFeatures;

    /// <summary>
    /// Rows of r̂ that M acts on per batch item: 1 for sharing and LoRA; for RoPE min(G, ⌈out/r̂⌉), G = P/r̂ (chunks that
    /// never reach the output are not computed).
    /// </summary>
    public int Rows => Kind == GpuAdapterKind.MoRARoPE ? Math.Min(PaddedLength / Rank, (OutFeatures + Rank - 1) / Rank) : 1;

    /// <summary>The number of trainable adapter tensors (LoRA: A, B; MoRA: M).</summary>
    public int ParameterCount => Kind == GpuAdapterKind.LoRA ? 2 : 1;

    /// <summary>Checks the sizes; the message names the field.</summary>
    /// <exception cref="ArgumentException">A size is not positive, or the scale is not finite.</exception>
    public void Validate()
    {
        if (InFeatures <= 0 || OutFeatures <= 0 || Rank <= 0 || Batch <= 0)
        {
            throw new ArgumentException($"{this}: in, out, rank and batch must be positive.");
        }

        if (Kind == GpuAdapterKind.MoRARoPE && Rank % 2 != 0)
        {
            throw new ArgumentException($"{this}: MoRA RoPE needs an even r̂.");
        }

        if (!float.IsFinite(Scale))
        {
            throw new ArgumentException($"{this}: scale must be finite.");
        }
    }

    /// <summary>Floats in <paramref name="slot"/> (at least 1: Vulkan has no empty buffers).</summary>
    public long SlotLength(AdaptedLinearSlot slot)
    {
        long batch = Batch, inF = InFeatures, outF = OutFeatures, r = Rank;
        bool lora = Kind == GpuAdapterKind.LoRA;
        long length = slot switch
        {
            AdaptedLinearSlot.Input => batch * inF,
            AdaptedLinearSlot.Weight or AdaptedLinearSlot.MergedWeight => outF * inF,
            AdaptedLinearSlot.Bias => HasBias ? outF : 1,
            AdaptedLinearSlot.Output or AdaptedLinearSlot.OutputGradient => batch * outF,
            AdaptedLinearSlot.InputGradient => ComputeInputGradient ? batch * inF : 1,
            AdaptedLinearSlot.Targets or AdaptedLinearSlot.Loss => batch,
            AdaptedLinearSlot.Coefficients => ParameterCount * GpuKernels.AdamWCoefficientWords,
            AdaptedLinearSlot.First or AdaptedLinearSlot.FirstGradient or AdaptedLinearSlot.FirstExpAvg or AdaptedLinearSlot.FirstExpAvgSq
                => lora ? r * inF : r * r,
            AdaptedLinearSlot.Second or AdaptedLinearSlot.SecondGradient or AdaptedLinearSlot.SecondExpAvg or AdaptedLinearSlot.SecondExpAvgSq
                => lora ? outF * r : 1,
            AdaptedLinearSlot.Hidden or AdaptedLinearSlot.Mixed => batch * Rows * r,
            AdaptedLinearSlot.MixedGradient or AdaptedLinearSlot.HiddenGradient => lora ? 1 : batch * Rows * r,
            AdaptedLinearSlot.RotaryTables => Kind == GpuAdapterKind.MoRARoPE ? Rows * r : 1,
            AdaptedLinearSlot.RotatedFirst => Kind == GpuAdapterKind.MoRARoPE ? r * Rows * r : 1,
            AdaptedLinearSlot.WeightHalf => BaseHalfGemm is null ? 1 : GpuKernels.HalfWords(OutFeatures, InFeatures),
            AdaptedLinearSlot.InputHalf => BaseHalfGemm is null ? 1 : GpuKernels.HalfWords(Batch, InFeatures),
            AdaptedLinearSlot.OutputGradientHalf => BaseHalfGemm is null || !ComputeInputGradient ? 1 : GpuKernels.HalfWords(Batch, OutFeatures),
            _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, "Unknown slot."),
        };
        return Math.Max(length, 1);
    }
}
