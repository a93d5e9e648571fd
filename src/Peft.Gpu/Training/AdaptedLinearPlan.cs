using Peft.Gpu.Kernels;
using S = Peft.Gpu.Training.AdaptedLinearSlot;

namespace Peft.Gpu.Training;

/// <summary>
/// The dispatches of an adapted Linear's forward, loss, backward, AdamW update and merge, from its
/// <see cref="AdaptedLinearDescriptor"/> alone (pure data; no device). Row-major throughout, W0 [out, in].
/// </summary>
public static class AdaptedLinearPlan
{
    /// <summary>
    /// y = x·W0ᵀ + b + Δ(x). LoRA: h = x·Aᵀ, y += s·h·Bᵀ. MoRA sharing: c = compress(x), h = c·Mᵀ, y += decompress(h).
    /// MoRA RoPE: z = rotated chunks of x, h = z·Mᵀ per chunk, y += tiled h.
    /// </summary>
    public static KernelDispatch[] Forward(AdaptedLinearDescriptor d)
    {
        d.Validate();
        var plan = new List<KernelDispatch>();
        int n = d.Batch, inF = d.InFeatures, outF = d.OutFeatures, r = d.Rank;
        if (d.HasBias)
        {
            // y[b, o] = bias[o]
            plan.Add(GpuKernels.Fold(n, outF, outF, 0, 1, outF, 0f, (int)S.Bias, (int)S.Output));
        }

        // y = x·W0ᵀ (+ y)
        if (d.BaseHalfGemm is { } half)
        {
            plan.Add(GpuKernels.ToHalf(n, inF, inF, (int)S.Input, (int)S.InputHalf));
            plan.Add(GpuKernels.HalfGemm(half, false, true, n, outF, inF, 1f, (int)S.InputHalf, (int)S.WeightHalf, d.HasBias ? 1f : 0f, (int)S.Output, outF));
        }
        else
        {
            plan.Add(GpuKernels.Gemm(false, true, n, outF, inF, 1f, (int)S.Input, inF, (int)S.Weight, inF, d.HasBias ? 1f : 0f, (int)S.Output, outF));
        }

        if (d.Kind == GpuAdapterKind.LoRA)
        {
            // h = x·Aᵀ [n×r]; y += s·h·Bᵀ
            plan.Add(GpuKernels.Gemm(false, true, n, r, inF, 1f, (int)S.Input, inF, (int)S.First, inF, 0f, (int)S.Hidden, r));
            plan.Add(GpuKernels.Gemm(false, true, n, outF, r, d.Scale, (int)S.Hidden, r, (int)S.Second, r, 1f, (int)S.Output, outF));
        }
        else if (d.Kind == GpuAdapterKind.MoRASharing)
        {
            // c[b, j] = Σ_g x[b, (g·r̂ + j) mod in]; h = c·Mᵀ; y[b, o] += h[b, o mod r̂]
            plan.Add(GpuKernels.Fold(n, r, inF, inF, n, d.PaddedLength, 0f, (int)S.Input, (int)S.Hidden));
            plan.Add(GpuKernels.Gemm(false, true, n, r, r, 1f, (int)S.Hidden, r, (int)S.First, r, 0f, (int)S.Mixed, r));
            plan.Add(GpuKernels.Fold(n, outF, r, r, n, outF, 1f, (int)S.Mixed, (int)S.Output));
        }
        else
        {
            // z[b, g] = rotate_g(x̄[b, g·r̂ …]); h = z·Mᵀ on every chunk row; y[b, o] += h[b, o mod P]
            // (o < rows·r̂ when rows < G, and P = rows·r̂ otherwise, so o mod P indexes a computed chunk).
            int rows = d.Rows;
            plan.Add(GpuKernels.Rotate(n, rows, r, inF, inF, false, (int)S.Input, (int)S.RotaryTables, (int)S.Hidden));
            plan.Add(GpuKernels.Gemm(false, true, n * rows, r, r, 1f, (int)S.Hidden, r, (int)S.First, r, 0f, (int)S.Mixed, r));
            plan.Add(GpuKernels.Fold(n, outF, d.PaddedLength, rows * r, n, outF, 1f, (int)S.Mixed, (int)S.Output));
        }

        return [.. plan];
    }

    /// <summary>dL/dy = (softmax(y) − onehot(target))/batch, with the per-row losses.</summary>
    public static KernelDispatch[] CrossEntropy(AdaptedLinearDescriptor d)
        => [GpuKernels.SoftmaxCrossEntropy(d.Batch, d.OutFeatures, (int)S.Output, (int)S.Targets, (int)S.OutputGradient, (int)S.Loss)];

    /// <summary>
    /// The adapter's gradients (overwritten: a step's gradients are its own) and, when asked, dL/dx.
    /// LoRA: g = dY·B; dB = s·dYᵀ·h; dA = s·gᵀ·x; dx = dY·W0 + s·g·A.
    /// MoRA sharing: dh[b, j] = Σ_{o ≡ j mod r̂} dY[b, o]; dM = dhᵀ·c; dc = dh·M; dx = dY·W0 + compressᵀ(dc).
    /// MoRA RoPE: the same per chunk row, with the inverse rotation before compressᵀ.
    /// </summary>
    public static KernelDispatch[] Backward(AdaptedLinearDescriptor d)
    {
        d.Validate();
        var plan = new List<KernelDispatch>();
        int n = d.Batch, inF = d.InFeatures, outF = d.OutFeatures, r = d.Rank;
        if (d.ComputeInputGradient)
        {
            // dx = dY·W0 [n×in]
            if (d.BaseHalfGemm is { } half)
            {
                plan.Add(GpuKernels.ToHalf(n, outF, outF, (int)S.OutputGradient, (int)S.OutputGradientHalf));
                plan.Add(GpuKernels.HalfGemm(half, false, false, n, inF, outF, 1f, (int)S.OutputGradientHalf, (int)S.WeightHalf, 0f, (int)S.InputGradient, inF));
            }
            else
            {
                plan.Add(GpuKernels.Gemm(false, false, n, inF, outF, 1f, (int)S.OutputGradient, outF, (int)S.Weight, inF, 0f, (int)S.InputGradient, inF));
            }
        }

        if (d.Kind == GpuAdapterKind.LoRA)
        {
            plan.Add(GpuKernels.Gemm(false, false, n, r, outF, 1f, (int)S.OutputGradient, outF, (int)S.Second, r, 0f, (int)S.Mixed, r));
            plan.Add(GpuKernels.Gemm(true, false, outF, r, n, d.Scale, (int)S.OutputGradient, outF, (int)S.Hidden, r, 0f, (int)S.SecondGradient, r));
            plan.Add(GpuKernels.Gemm(true, false, r, inF, n, d.Scale, (int)S.Mixed, r, (int)S.Input, inF, 0f, (int)S.FirstGradient, inF));
            if (d.ComputeInputGradient)
            {
                plan.Add(GpuKernels.Gemm(false, false, n, inF, r, d.Scale, (int)S.Mixed, r, (int)S.First, inF, 1f, (int)S.InputGradient, inF));
            }
        }
        else
        {
            // dh[b, q] = Σ_{o ≡ q (mod rows·r̂), o < out} dY[b, o]  (rows·r̂ = r̂ for sharing, = P or ≥ out for RoPE)
            int rows = d.Rows, width = rows * r;
            plan.Add(GpuKernels.Fold(n, width, outF, outF, n, outF, 0f, (int)S.OutputGradient, (int)S.MixedGradient));
            // dM = dhᵀ·c over every chunk row
            plan.Add(GpuKernels.Gemm(true, false, r, r, n * rows, 1f, (int)S.MixedGradient, r, (int)S.Hidden, r, 0f, (int)S.FirstGradient, r));
            if (d.ComputeInputGradient)
            {
                // dc = dh·M
                plan.Add(GpuKernels.Gemm(false, false, n * rows, r, r, 1f, (int)S.MixedGradient, r, (int)S.First, r, 0f, (int)S.HiddenGradient, r));
                int chunkGradient = (int)S.HiddenGradient;
                if (d.Kind == GpuAdapterKind.MoRARoPE)
                {
                    // dv = rotate_{−g}(dc), into dh's buffer (dh is no longer needed)
                    plan.Add(GpuKernels.Rotate(n, rows, r, width, width, true, (int)S.HiddenGradient, (int)S.RotaryTables, (int)S.MixedGradient));
                    chunkGradient = (int)S.MixedGradient;
                }

                // dx[b, i] += Σ_{k ≡ i mod in, k < covered} dv[b, k mod width]; sharing covers P (chunks summed), RoPE rows·r̂
                int covered = d.Kind == GpuAdapterKind.MoRARoPE ? width : d.PaddedLength;
                plan.Add(GpuKernels.Fold(n, inF, width, width, n, covered, 1f, chunkGradient, (int)S.InputGradient));
            }
        }

        return [.. plan];
    }

    /// <summary>
    /// AdamW on each adapter tensor whose optimizer group is known: <paramref name="groups"/>[i] is the coefficient
    /// row of tensor i (First, Second) or −1 when the optimizer does not hold it.
    /// </summary>
    public static KernelDispatch[] Update(AdaptedLinearDescriptor d, ReadOnlySpan<int> groups)
    {
        if (groups.Length != d.ParameterCount)
        {
            throw new ArgumentException($"{d.Kind}: {groups.Length} group indices for {d.ParameterCount} adapter tensors.", nameof(groups));
        }

        var plan = new List<KernelDispatch>();
        if (groups[0] >= 0)
        {
            plan.Add(GpuKernels.AdamW((int)d.SlotLength(S.First), groups[0], (int)S.First, (int)S.FirstGradient, (int)S.FirstExpAvg, (int)S.FirstExpAvgSq, (int)S.Coefficients));
        }

        if (groups.Length > 1 && groups[1] >= 0)
        {
            plan.Add(GpuKernels.AdamW((int)d.SlotLength(S.Second), groups[1], (int)S.Second, (int)S.SecondGradient, (int)S.SecondExpAvg, (int)S.SecondExpAvgSq, (int)S.Coefficients));
        }

        return [.. plan];
    }

    /// <summary>W0 into its float16 copy (<see cref="AdaptedLinearSlot.WeightHalf"/>), once, when the base runs in half precision; empty otherwise.</summary>
    public static KernelDispatch[] PrepareBase(AdaptedLinearDescriptor d)
        => d.BaseHalfGemm is null ? [] : [GpuKernels.ToHalf(d.OutFeatures, d.InFeatures, d.InFeatures, (int)S.Weight, (int)S.WeightHalf)];

    /// <summary>
    /// W0 + ΔW into MergedWeight. LoRA: ΔW = s·B·A. MoRA sharing: ΔW[o, i] = Σ_{k ≡ i mod in, k &lt; P} M[o mod r̂, k mod r̂].
    /// MoRA RoPE: T = M·R_g per chunk row (M's rows rotated by −g·θ), then ΔW[o, i] = Σ over chunk g(o)'s inputs k ≡ i of
    /// T[q(o), k] (<c>Shaders/rope_merge.hlsl</c>).
    /// </summary>
    public static KernelDispatch[] Merge(AdaptedLinearDescriptor d)
    {
        d.Validate();
        int inF = d.InFeatures, outF = d.OutFeatures, r = d.Rank;
        // Copy: merged[o, i] = W0[o, i]
        var copy = GpuKernels.Fold(outF, inF, inF, inF, outF, inF, 0f, (int)S.Weight, (int)S.MergedWeight);
        return d.Kind switch
        {
            GpuAdapterKind.LoRA => [copy, GpuKernels.Gemm(false, false, outF, inF, r, d.Scale, (int)S.Second, r, (int)S.First, inF, 1f, (int)S.MergedWeight, inF)],
            GpuAdapterKind.MoRASharing => [copy, GpuKernels.Fold(outF, inF, r, r, r, d.PaddedLength, 1f, (int)S.First, (int)S.MergedWeight)],
            _ =>
            [
                copy,
                GpuKernels.Rotate(r, d.Rows, r, r, r, true, (int)S.First, (int)S.RotaryTables, (int)S.RotatedFirst),
                GpuKernels.RoPEMerge(outF, inF, r, d.Rows, (int)S.RotatedFirst, (int)S.MergedWeight),
            ],
        };
    }
}
