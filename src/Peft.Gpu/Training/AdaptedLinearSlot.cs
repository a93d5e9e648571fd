namespace Peft.Gpu.Training;

/// <summary>
/// The device buffers of an adapted Linear's plan; a <see cref="Kernels.KernelDispatch"/> names them by these
/// numbers. Sizes: <see cref="AdaptedLinearDescriptor.SlotLength"/>.
/// </summary>
public enum AdaptedLinearSlot
{
    /// <summary>x [batch, in].</summary>
    Input,

    /// <summary>W0 [out, in] (frozen).</summary>
    Weight,

    /// <summary>b [out] (frozen; one unused float without bias).</summary>
    Bias,

    /// <summary>y [batch, out].</summary>
    Output,

    /// <summary>dL/dy [batch, out] (given, or written by the loss).</summary>
    OutputGradient,

    /// <summary>dL/dx [batch, in] (one unused float unless asked for).</summary>
    InputGradient,

    /// <summary>Class targets [batch] (uint) for the cross-entropy loss.</summary>
    Targets,

    /// <summary>Per-row losses [batch].</summary>
    Loss,

    /// <summary>AdamW's per-group coefficients (host-visible; rewritten before each step).</summary>
    Coefficients,

    /// <summary>LoRA: A [r, in]; MoRA: M [r̂, r̂].</summary>
    First,

    /// <summary>LoRA: B [out, r]; MoRA: unused.</summary>
    Second,

    /// <summary>dL/d<see cref="First"/>.</summary>
    FirstGradient,

    /// <summary>dL/d<see cref="Second"/>.</summary>
    SecondGradient,

    /// <summary>AdamW first moment of <see cref="First"/>.</summary>
    FirstExpAvg,

    /// <summary>AdamW second moment of <see cref="First"/>.</summary>
    FirstExpAvgSq,

    /// <summary>AdamW first moment of <see cref="Second"/>.</summary>
    SecondExpAvg,

    /// <summary>AdamW second moment of <see cref="Second"/>.</summary>
    SecondExpAvgSq,

    /// <summary>LoRA: x·Aᵀ [batch, r]; MoRA: c = compress(x) [batch, rows·r̂] (RoPE: the rotated chunks).</summary>
    Hidden,

    /// <summary>LoRA: dY·B [batch, r]; MoRA: h = c·Mᵀ [batch, rows·r̂].</summary>
    Mixed,

    /// <summary>MoRA: dh [batch, rows·r̂]; RoPE reuses it for the un-rotated dc once dM and dc are computed.</summary>
    MixedGradient,

    /// <summary>MoRA: dc [batch, rows·r̂].</summary>
    HiddenGradient,

    /// <summary>W0 + ΔW [out, in], written by the merge plan.</summary>
    MergedWeight,

    /// <summary>MoRA RoPE: cos then sin of g·θ_j, [rows, r̂/2] each (one unused float otherwise).</summary>
    RotaryTables,

    /// <summary>W0 in float16, padded (<see cref="Kernels.GpuKernels.ToHalf"/>), when the base runs in half precision.</summary>
    WeightHalf,

    /// <summary>x in float16, padded, when the base runs in half precision.</summary>
    InputHalf,

    /// <summary>dL/dy in float16, padded, when the base runs in half precision and dL/dx is wanted.</summary>
    OutputGradientHalf,

    /// <summary>MoRA RoPE's merge: M·R_g for every chunk row, [r̂, rows·r̂] (one unused float otherwise).</summary>
    RotatedFirst,
}
