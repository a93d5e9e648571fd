using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Peft.Generated;

/// <summary>
/// The LoRA forward, backward and merge over the rank-unrolled loops of <typeparamref name="TLoops"/>, with the passes
/// grouped into <see cref="KernelParallel"/> regions: row-wise products split by blocks of rows, accumulations over rows
/// by blocks of columns (each output element is computed by one participant, in the single-threaded order: results do
/// not depend on the thread count). Specialized per <typeparamref name="TLoops"/> by the JIT (a struct type argument).
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TLoops">The generated loops of one rank.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LowRankPasses<T, TLoops>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TLoops : struct, ILowRankLoops<T>
{
    /// <summary>Rows per chunk of a row region (even: <c>ProjectDown</c> takes rows in pairs).</summary>
    private const int RowGrain = 8;

    /// <summary>Columns per item of a column region: a multiple of every vector width, so a block never splits a vector.</summary>
    private const int ColumnBlock = 256;

    private static int Rank => TLoops.Rank;

    /// <summary>
    /// LoRA forward of <paramref name="layer"/>: <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>, on the loops or on the GEMM as
    /// <see cref="LowRankCrossover"/> decides for the rank.
    /// </summary>
    public static void Forward(
        string layer, ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, Span<T> xa, Span<T> y,
        ref T[] bTransposed, ref T[] aPadded, int batch, int inFeatures, int outFeatures)
    {
        if (LowRankCrossover.UseGemm(Rank))
        {
            LowRankGemmPasses<T>.Forward(layer, Rank, x, a, b, scale, xa, y, batch, inFeatures, outFeatures);
            return;
        }

        ForwardLoops(layer, x, a, b, scale, xa, y, ref bTransposed, ref aPadded, batch, inFeatures, outFeatures);
    }

    /// <summary>
    /// The forward on the loops, one region over blocks of rows (each row's two products run back to back on one thread).
    /// </summary>
    internal static void ForwardLoops(
        string layer, ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, Span<T> xa, Span<T> y,
        ref T[] bTransposed, ref T[] aPadded, int batch, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckForward(layer, Rank, x, a, b, xa, y, batch, inFeatures, outFeatures);
        int aStride = Stride(inFeatures), bStride = Stride(outFeatures);
        Resize(ref bTransposed, Rank * bStride);
        Transpose(b, bTransposed, outFeatures, bStride);
        KernelParallel.Run(new ForwardRows(inFeatures, outFeatures, aStride, bStride, scale),
            new KernelSpans<T> { R0 = x, R1 = Rows(a, inFeatures, aStride, ref aPadded), R2 = bTransposed, W0 = xa, W1 = y },
            batch, RowGrain, LowRankCrossover.Participants((long)batch * Rank * (inFeatures + outFeatures)));
    }

    /// <summary>
    /// LoRA backward of <paramref name="layer"/> (empty gradient spans are skipped), on the loops or on the GEMM as
    /// <see cref="LowRankCrossover"/> decides for the rank.
    /// </summary>
    public static void Backward(
        string layer, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa, T scale,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient,
        ref T[] bTransposed, ref T[] bGradientTransposed, ref T[] aPadded, int batch, int inFeatures, int outFeatures)
    {
        if (LowRankCrossover.UseGemm(Rank))
        {
            LowRankGemmPasses<T>.Backward(layer, Rank, x, dy, a, b, xa, scale, dyB, aGradient, bGradient, inputGradient,
                batch, inFeatures, outFeatures);
            return;
        }

        BackwardLoops(layer, x, dy, a, b, xa, scale, dyB, aGradient, bGradient, inputGradient,
            ref bTransposed, ref bGradientTransposed, ref aPadded, batch, inFeatures, outFeatures);
    }

    /// <summary>
    /// The backward on the loops: one region over blocks of rows for <c>g = dY·B</c> and <c>dX += s·g·A</c>, then one over
    /// blocks of columns for <c>dB += s·dYᵀ·xa</c> and <c>dA += s·gᵀ·x</c>.
    /// </summary>
    internal static void BackwardLoops(
        string layer, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa, T scale,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient,
        ref T[] bTransposed, ref T[] bGradientTransposed, ref T[] aPadded, int batch, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckBackward(layer, Rank, x, dy, a, b, xa, dyB, aGradient, bGradient, inputGradient, batch, inFeatures, outFeatures);
        int aStride = Stride(inFeatures), bStride = Stride(outFeatures), bBlocks = 0, aBlocks = 0;
        if (!bGradient.IsEmpty)
        {
            Resize(ref bGradientTransposed, Rank * bStride);
            bBlocks = (outFeatures + ColumnBlock - 1) / ColumnBlock;
        }

        if (!aGradient.IsEmpty)
        {
            aBlocks = (inFeatures + ColumnBlock - 1) / ColumnBlock;
        }

        if (!aGradient.IsEmpty || !inputGradient.IsEmpty)
        {
            // g[batch, Rank] = dY·B, and dX += s·g·A by the same rows.
            Resize(ref bTransposed, Rank * bStride);
            Transpose(b, bTransposed, outFeatures, bStride);
            var aRows = inputGradient.IsEmpty ? a : Rows(a, inFeatures, aStride, ref aPadded);
            long rowWork = (long)batch * Rank * (outFeatures + (inputGradient.IsEmpty ? 0 : inFeatures));
            KernelParallel.Run(new BackwardRows(inFeatures, outFeatures, aStride, bStride, scale),
                new KernelSpans<T> { R0 = dy, R1 = bTransposed, R2 = aRows, W0 = dyB, W1 = inputGradient },
                batch, RowGrain, LowRankCrossover.Participants(rowWork));
        }

        // dBᵀ[Rank, out] = s·xaᵀ·dY then dB[o, k] += dBᵀ[k, o] (column blocks [0, bBlocks)), and dA += s·gᵀ·x (the next aBlocks).
        long columnWork = (long)batch * Rank * ((bBlocks == 0 ? 0 : outFeatures) + (aBlocks == 0 ? 0 : inFeatures));
        KernelParallel.Run(new ColumnGradients(inFeatures, outFeatures, bStride, batch, scale, bBlocks),
            new KernelSpans<T> { R0 = xa, R1 = dy, R2 = dyB, R3 = x, W0 = bGradientTransposed, W1 = bGradient, W2 = aGradient },
            bBlocks + aBlocks, 1, LowRankCrossover.Participants(columnWork));
    }

    /// <summary>
    /// The merge of <paramref name="layer"/>: <c>W[out, in] += scale·B·A</c> (scale = ±s), every row of W through <c>ProjectUp</c>
    /// below the crossover, on the GEMM from it (out rows play the batch).
    /// </summary>
    public static void AddDeltaWeight(string layer, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, Span<T> weight, int inFeatures, int outFeatures)
    {
        if (LowRankCrossover.UseGemm(Rank))
        {
            LowRankGemmPasses<T>.AddDeltaWeight(layer, Rank, a, b, scale, weight, inFeatures, outFeatures);
            return;
        }

        LowRankSpans.CheckMerge(layer, Rank, a, b, weight, inFeatures, outFeatures);
        ProjectUp(a, inFeatures, b, weight, scale, inFeatures, 0, outFeatures);
    }

    /// <summary>
    /// The row stride of a <c>[Rank, width]</c> scratch: the width, plus one cache line when rows a multiple of 2 KiB apart
    /// would fall on the same few L1 sets (and alias the stores of the output rows: 1024 or 2048 wide loops ran 1.6x slower).
    /// </summary>
    private static int Stride(int width) =>
        width * Unsafe.SizeOf<T>() % 2048 == 0 ? width + 64 / Unsafe.SizeOf<T>() : width;

    /// <summary>The rows of A <c>[Rank, width]</c> <paramref name="stride"/> apart: A itself, or its copy in <paramref name="padded"/>.</summary>
    private static ReadOnlySpan<T> Rows(ReadOnlySpan<T> a, int width, int stride, ref T[] padded)
    {
        if (stride == width)
        {
            return a;
        }

        Resize(ref padded, Rank * stride);
        for (int k = 0; k < Rank; k++)
        {
            a.Slice(k * width, width).CopyTo(new Span<T>(padded, k * stride, width));
        }

        return padded;
    }

    // The widest accelerated vector width, chosen here once for every loop (the JIT folds the test away).

    private static void ProjectDown(ReadOnlySpan<T> m, int stride, ReadOnlySpan<T> v, Span<T> h, int width, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            TLoops.ProjectDown<Simd512<T>, Vector512<T>>(m, stride, v, h, width, start, end);
        }
        else
        {
            TLoops.ProjectDown<Simd256<T>, Vector256<T>>(m, stride, v, h, width, start, end);
        }
    }

    private static void ProjectUp(ReadOnlySpan<T> m, int stride, ReadOnlySpan<T> h, Span<T> y, T scale, int width, int start, int end)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            TLoops.ProjectUp<Simd512<T>, Vector512<T>>(m, stride, h, y, scale, width, start, end);
        }
        else
        {
            TLoops.ProjectUp<Simd256<T>, Vector256<T>>(m, stride, h, y, scale, width, start, end);
        }
    }

    private static void AccumulateOuter(ReadOnlySpan<T> h, ReadOnlySpan<T> v, Span<T> g, int stride, T scale, int width, int batch, int first, int last)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            TLoops.AccumulateOuter<Simd512<T>, Vector512<T>>(h, v, g, stride, scale, width, batch, first, last);
        }
        else
        {
            TLoops.AccumulateOuter<Simd256<T>, Vector256<T>>(h, v, g, stride, scale, width, batch, first, last);
        }
    }

    /// <summary><c>bᵀ[k, o] = b[o, k]</c>: B <c>[out, Rank]</c> into <c>[Rank, out]</c> with rows <paramref name="stride"/> apart.</summary>
    private static void Transpose(ReadOnlySpan<T> b, Span<T> transposed, int outFeatures, int stride)
    {
        for (int o = 0; o < outFeatures; o++)
        {
            for (int k = 0; k < Rank; k++)
            {
                transposed[k * stride + o] = b[o * Rank + k];
            }
        }
    }

    /// <summary><c>b[o, k] += bᵀ[k, o]</c> for the outputs o in [first, last) (bᵀ rows <paramref name="stride"/> apart).</summary>
    private static void AddTransposed(ReadOnlySpan<T> transposed, Span<T> b, int stride, int first, int last)
    {
        for (int o = first; o < last; o++)
        {
            for (int k = 0; k < Rank; k++)
            {
                b[o * Rank + k] += transposed[k * stride + o];
            }
        }
    }

    /// <summary>Reallocates <paramref name="buffer"/> when its length differs (once per shape: steady state allocates nothing).</summary>
    private static void Resize(ref T[] buffer, int length)
    {
        if (buffer.Length != length)
        {
            buffer = new T[length];
        }
    }

    /// <summary>Rows [start, end): <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>. Spans: R0 x, R1 A, R2 Bᵀ, W0 xa, W1 y.</summary>
    private readonly struct ForwardRows(int inFeatures, int outFeatures, int aStride, int bStride, T scale) : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> s)
        {
            ProjectDown(s.R1, aStride, s.R0, s.W0, inFeatures, start, end);
            ProjectUp(s.R2, bStride, s.W0, s.W1, scale, outFeatures, start, end);
        }
    }

    /// <summary>Rows [start, end): <c>g = dY·B</c>, then <c>dX += s·g·A</c> when dX is wanted. Spans: R0 dY, R1 Bᵀ, R2 A, W0 g, W1 dX.</summary>
    private readonly struct BackwardRows(int inFeatures, int outFeatures, int aStride, int bStride, T scale) : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> s)
        {
            ProjectDown(s.R1, bStride, s.R0, s.W0, outFeatures, start, end);
            if (!s.W1.IsEmpty)
            {
                ProjectUp(s.R2, aStride, s.W0, s.W1, scale, inFeatures, start, end);
            }
        }
    }

    /// <summary>
    /// Column blocks [start, end): below <c>bBlocks</c>, columns of dBᵀ: <c>dBᵀ[:, c] = s·xaᵀ·dY[:, c]</c>, then
    /// <c>dB[c, :] += dBᵀ[:, c]</c>; from <c>bBlocks</c> on, columns of dA: <c>dA[:, c] += s·gᵀ·x[:, c]</c>.
    /// Every block sums all rows in order. Spans: R0 xa, R1 dY, R2 g, R3 x, W0 dBᵀ, W1 dB, W2 dA.
    /// </summary>
    private readonly struct ColumnGradients(int inFeatures, int outFeatures, int bStride, int batch, T scale, int bBlocks) : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> s)
        {
            for (int block = start; block < end; block++)
            {
                if (block < bBlocks)
                {
                    int first = block * ColumnBlock, last = Math.Min(outFeatures, first + ColumnBlock);
                    for (int k = 0; k < Rank; k++)
                    {
                        s.W0.Slice(k * bStride + first, last - first).Clear();
                    }

                    AccumulateOuter(s.R0, s.R1, s.W0, bStride, scale, outFeatures, batch, first, last);
                    AddTransposed(s.W0, s.W1, bStride, first, last);
                }
                else
                {
                    int first = (block - bBlocks) * ColumnBlock;
                    AccumulateOuter(s.R2, s.R3, s.W2, inFeatures, scale, inFeatures, batch, first, Math.Min(inFeatures, first + ColumnBlock));
                }
            }
        }
    }
}
