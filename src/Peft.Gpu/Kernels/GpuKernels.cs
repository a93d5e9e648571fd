namespace Peft.Gpu.Kernels;

/// <summary>
/// Builders of <see cref="KernelDispatch"/> records for the embedded shaders: which pipeline, which push constants,
/// how many workgroups. Device-independent (tested without Vulkan); the plans of <c>Training/</c> are made of these.
/// </summary>
public static class GpuKernels
{
    /// <summary>Threads per workgroup of the element-wise shaders (fold, AdamW) and of the cross-entropy rows.</summary>
    public const uint ElementwiseGroupSize = 256;

    /// <summary>The words per parameter group in AdamW's coefficient buffer (see <c>Shaders/adamw.hlsl</c>).</summary>
    public const int AdamWCoefficientWords = 10;

    /// <summary>
    /// <c>C[M×N] = alpha·op(A)·op(B) + beta·C</c> (row-major, leading dimensions lda, ldb, ldc); op transposes when asked
    /// (A stored K×M, B stored N×K), in the block shape <see cref="GemmTiling.Choose"/> picks. Slots: A, B, C.
    /// </summary>
    public static KernelDispatch Gemm(bool transposeA, bool transposeB, int m, int n, int k, float alpha, int a, int lda, int b, int ldb, float beta, int c, int ldc)
    {
        if (k <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "GEMM depth K must be positive.");
        }

        int minimumLda = transposeA ? m : k;
        int minimumLdb = transposeB ? k : n;
        if (lda < minimumLda || ldb < minimumLdb || ldc < n)
        {
            throw new ArgumentException($"GEMM {m}×{n}×{k} (transposes {transposeA}, {transposeB}): leading dimensions lda {lda}, ldb {ldb}, ldc {ldc} must be at least {minimumLda}, {minimumLdb}, {n}.");
        }

        var tile = GemmTiling.Choose(m, n);
        var key = new PipelineKey(tile.Shader, 3, new SpecializationConstants(transposeA ? 1u : 0u, transposeB ? 1u : 0u));
        uint[] push = [(uint)m, (uint)n, (uint)k, (uint)lda, (uint)ldb, (uint)ldc, Bits(alpha), Bits(beta)];
        return new KernelDispatch(key, [a, b, c], push, GemmTiling.Groups(tile, m, n));
    }

    /// <summary>
    /// A float32 matrix <paramref name="rows"/>×<paramref name="cols"/> (leading dimension <paramref name="ld"/>) into the
    /// float16 layout of <see cref="HalfGemm"/>'s operands: row-major, both sides padded with zeros to
    /// <see cref="HalfGemmShape.Pad"/>, two halves per word (<see cref="HalfWords"/> words). Slots: src, dst.
    /// </summary>
    public static KernelDispatch ToHalf(int rows, int cols, int ld, int src, int dst)
    {
        if (rows <= 0 || cols <= 0 || ld < cols)
        {
            throw new ArgumentException($"ToHalf: {rows}×{cols} with leading dimension {ld}: sizes must be positive and ld ≥ cols.");
        }

        long words = HalfWords(rows, cols);
        uint[] push = [(uint)rows, (uint)cols, (uint)ld, (uint)HalfGemmShape.Pad(cols), Count(words)];
        return new KernelDispatch(new PipelineKey("to_half", 2, SpecializationConstants.None), [src, dst], push,
            DispatchGroups.Linear(words, ElementwiseGroupSize));
    }

    /// <summary>The 32-bit words of a padded float16 <paramref name="rows"/>×<paramref name="cols"/> operand (see <see cref="ToHalf"/>).</summary>
    public static long HalfWords(int rows, int cols) => (long)HalfGemmShape.Pad(rows) * HalfGemmShape.Pad(cols) / 2;

    /// <summary>
    /// <c>C[M×N] = alpha·op(A)·op(B) + beta·C</c> on cooperative matrices (<c>Shaders/coopmat/gemm_coopmat.comp</c>):
    /// A and B float16 in <see cref="ToHalf"/>'s padded layout (A stored M×K, or K×M when <paramref name="transposeA"/>;
    /// B stored K×N, or N×K), float32 accumulation, C float32 row-major with leading dimension <paramref name="ldc"/>.
    /// Slots: A, B, C.
    /// </summary>
    public static KernelDispatch HalfGemm(HalfGemmShape shape, bool transposeA, bool transposeB, int m, int n, int k, float alpha, int a, int b, float beta, int c, int ldc)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (m <= 0 || n <= 0 || k <= 0 || ldc < n)
        {
            throw new ArgumentException($"HalfGemm {m}×{n}×{k}, ldc {ldc}: sizes must be positive and ldc ≥ N.");
        }

        int lda = HalfGemmShape.Pad(transposeA ? m : k);
        int ldb = HalfGemmShape.Pad(transposeB ? k : n);
        var constants = new SpecializationConstants(transposeA ? 1u : 0u, transposeB ? 1u : 0u,
            (uint)shape.TileM, (uint)shape.TileN, (uint)shape.TileK, (uint)shape.SubgroupSize);
        uint[] push = [(uint)m, (uint)n, (uint)HalfGemmShape.Pad(k), (uint)lda, (uint)ldb, (uint)ldc, Bits(alpha), Bits(beta)];
        return new KernelDispatch(new PipelineKey("gemm_coopmat", 3, constants), [a, b, c], push,
            DispatchGroups.Blocks(m, n, shape.BlockM, shape.BlockN));
    }

    /// <summary>
    /// The periodic fold of <c>Shaders/periodic_fold.hlsl</c>: for <c>b &lt; rows</c>, <c>j &lt; dstWidth</c>,
    /// <c>dst[b, j] = beta·dst[b, j] + Σ_{k = j + t·dstWidth &lt; length} src[(b mod srcRowPeriod)·srcRowStride + k mod srcWidth]</c>.
    /// Slots: src, dst.
    /// </summary>
    public static KernelDispatch Fold(int rows, int dstWidth, int srcWidth, int srcRowStride, int srcRowPeriod, int length, float beta, int src, int dst)
    {
        if (rows <= 0 || dstWidth <= 0 || srcWidth <= 0 || srcRowStride < 0 || srcRowPeriod <= 0 || length <= 0)
        {
            throw new ArgumentException($"Fold: rows {rows}, widths {dstWidth} ← {srcWidth}, row stride {srcRowStride}, row period {srcRowPeriod}, length {length}: sizes must be positive (stride ≥ 0).");
        }

        uint[] push = [(uint)rows, (uint)dstWidth, (uint)srcWidth, (uint)srcRowStride, (uint)srcRowPeriod, (uint)length, Bits(beta)];
        return new KernelDispatch(new PipelineKey("periodic_fold", 2, SpecializationConstants.None), [src, dst], push,
            DispatchGroups.Linear((long)rows * dstWidth, ElementwiseGroupSize));
    }

    /// <summary>
    /// MoRA RoPE's chunk rotation (<c>Shaders/rope_rotate.hlsl</c>): for b &lt; batch, g &lt; rows, the chunk
    /// <c>v[j] = src[b·srcRowStride + (g·r̂ + j) mod srcWidth]</c> rotated by the angles <c>g·θ</c> (or by −g·θ when
    /// <paramref name="inverse"/>) into <c>dst[b, g, ·]</c>. Slots: src, tables (cos then sin, [rows, r̂/2] each), dst.
    /// </summary>
    public static KernelDispatch Rotate(int batch, int rows, int squareRank, int srcWidth, int srcRowStride, bool inverse, int src, int tables, int dst)
    {
        if (batch <= 0 || rows <= 0 || squareRank <= 0 || squareRank % 2 != 0 || srcWidth <= 0 || srcRowStride < 0)
        {
            throw new ArgumentException($"Rotate: batch {batch}, rows {rows}, r̂ {squareRank} (even), source width {srcWidth}, row stride {srcRowStride}: sizes must be positive.");
        }

        uint[] push = [(uint)batch, (uint)rows, (uint)squareRank, (uint)srcWidth, (uint)srcRowStride, inverse ? 1u : 0u];
        return new KernelDispatch(new PipelineKey("rope_rotate", 3, SpecializationConstants.None), [src, tables, dst], push,
            DispatchGroups.Linear((long)batch * rows * squareRank, ElementwiseGroupSize));
    }

    /// <summary>
    /// MoRA RoPE's merge (<c>Shaders/rope_merge.hlsl</c>): <c>dst[o, i] += ΔW[o, i]</c> from <c>T = M·R_g</c> [r̂, rows·r̂]
    /// (rows of M rotated by −g·θ with <see cref="Rotate"/>). Slots: T, dst.
    /// </summary>
    public static KernelDispatch RoPEMerge(int outFeatures, int inFeatures, int squareRank, int rows, int rotated, int dst)
    {
        if (outFeatures <= 0 || inFeatures <= 0 || squareRank <= 0 || squareRank % 2 != 0 || rows <= 0)
        {
            throw new ArgumentException($"RoPEMerge: out {outFeatures}, in {inFeatures}, r̂ {squareRank} (even), rows {rows}: sizes must be positive.");
        }

        return new KernelDispatch(new PipelineKey("rope_merge", 2, SpecializationConstants.None), [rotated, dst],
            [(uint)outFeatures, (uint)inFeatures, (uint)squareRank, (uint)rows], DispatchGroups.Linear((long)outFeatures * inFeatures, ElementwiseGroupSize));
    }

    /// <summary>AdamW on <paramref name="count"/> elements with the coefficients of parameter group <paramref name="group"/>. Slots: value, gradient, m, v, coefficients.</summary>
    public static KernelDispatch AdamW(int count, int group, int value, int gradient, int expAvg, int expAvgSq, int coefficients)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegative(group);
        return new KernelDispatch(new PipelineKey("adamw", 5, SpecializationConstants.None), [value, gradient, expAvg, expAvgSq, coefficients],
            [(uint)count, (uint)(group * AdamWCoefficientWords)], DispatchGroups.Linear(count, ElementwiseGroupSize));
    }

    /// <summary>Softmax cross-entropy rows: loss per row and the gradient of the mean loss. Slots: logits, targets, gradient, loss.</summary>
    public static KernelDispatch SoftmaxCrossEntropy(int rows, int classes, int logits, int targets, int gradient, int loss)
    {
        if (rows <= 0 || classes <= 0 || rows > DispatchGroups.MaxGroupsPerDimension)
        {
            throw new ArgumentException($"SoftmaxCrossEntropy: {rows} rows (1…{DispatchGroups.MaxGroupsPerDimension}) of {classes} classes (positive).");
        }

        return new KernelDispatch(new PipelineKey("softmax_cross_entropy", 4, SpecializationConstants.None), [logits, targets, gradient, loss],
            [(uint)rows, (uint)classes], new DispatchGroups((uint)rows, 1, 1));
    }

    /// <summary>ReLU on <paramref name="count"/> elements (<c>Shaders/relu.hlsl</c>): <c>dst = max(src, 0)</c>. Slots: src, dst.</summary>
    public static KernelDispatch ReLU(long count, int src, int dst) =>
        new(new PipelineKey("relu", 2, SpecializationConstants.None), [src, dst], [Count(count)], DispatchGroups.Linear(count, ElementwiseGroupSize));

    /// <summary>
    /// ReLU's backward (<c>Shaders/relu_backward.hlsl</c>): <c>dx = activation ≤ 0 ? 0 : dy</c>, activation = the ReLU's input.
    /// Slots: dy, activation, dx.
    /// </summary>
    public static KernelDispatch ReLUBackward(long count, int dy, int activation, int dx) =>
        new(new PipelineKey("relu_backward", 3, SpecializationConstants.None), [dy, activation, dx], [Count(count)],
            DispatchGroups.Linear(count, ElementwiseGroupSize));

    /// <summary><paramref name="dispatch"/> with every slot moved by <paramref name="offset"/>: a layer's plan inside a chain's slot table.</summary>
    public static KernelDispatch Offset(KernelDispatch dispatch, int offset) =>
        dispatch with { Slots = [.. dispatch.Slots.Select(slot => slot + offset)] };

    private static uint Count(long count) =>
        count is > 0 and <= uint.MaxValue ? (uint)count : throw new ArgumentOutOfRangeException(nameof(count), count, "Element count must be in [1, 2³²).");

    /// <summary>The bits of a float as a push-constant or specialization word.</summary>
    public static uint Bits(float value) => BitConverter.SingleToUInt32Bits(value);
}
