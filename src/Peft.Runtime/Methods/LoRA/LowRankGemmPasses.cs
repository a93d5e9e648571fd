using System.ComponentModel;
using System.Numerics;
using Peft.Kernels;

namespace Peft.Generated;

/// <summary>
/// The LoRA forward, backward and merge on the packed GEMM (<see cref="Gemm"/>), for any rank: what the loop path
/// (<see cref="LowRankPasses{T, TLoops}"/>, <see cref="RuntimeLoRAKernel{T}"/>) switches to from the rank
/// <see cref="LowRankCrossover"/> names, and what a generated kernel calls directly when its rank is above the
/// largest the generator unrolls. No scratch and no transposes: B <c>[out, r]</c> is read transposed by the GEMM.
/// </summary>
/// <remarks>
/// The passes are grouped into <see cref="KernelParallel"/> regions as the loop path's are — blocks of rows for the
/// row-wise products, blocks of columns for the sums over the batch — and each block is one GEMM on its participant's
/// thread. Two wake-ups per step instead of one per product, and no barrier inside a product (a GEMM on the pool waits
/// until every claimed B panel is packed: on a loaded machine, for a descheduled worker). Each output element is
/// computed by one GEMM call whose blocking depends on the shape only, so results do not depend on the thread count.
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LowRankGemmPasses<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Columns of dA (or rows of dB) per item of the gradient region.</summary>
    private const int ColumnBlock = 256;

    /// <summary>LoRA forward of <paramref name="layer"/> at rank <paramref name="rank"/>: <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>, by blocks of rows.</summary>
    public static void Forward(
        string layer, int rank, ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, Span<T> xa, Span<T> y,
        int batch, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckForward(layer, rank, x, a, b, xa, y, batch, inFeatures, outFeatures);
        long work = (long)batch * rank * (inFeatures + outFeatures);
        int participants = LowRankCrossover.Participants(work);
        KernelParallel.Run(new ForwardRows(rank, inFeatures, outFeatures, scale),
            new KernelSpans<T> { R0 = x, R1 = a, R2 = b, W0 = xa, W1 = y }, batch, RowGrain(batch, participants), participants);
    }

    /// <summary>
    /// LoRA backward of <paramref name="layer"/> at rank <paramref name="rank"/> (empty gradient spans are skipped), with
    /// <c>g = dY·B</c> written to <paramref name="dyB"/>: one region over rows for <c>g</c> and <c>dX += s·g·A</c>, one over
    /// blocks of columns for <c>dB += s·dYᵀ·xa</c> and <c>dA += s·gᵀ·x</c>.
    /// </summary>
    public static void Backward(
        string layer, int rank, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa, T scale,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient, int batch, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckBackward(layer, rank, x, dy, a, b, xa, dyB, aGradient, bGradient, inputGradient, batch, inFeatures, outFeatures);
        if (!aGradient.IsEmpty || !inputGradient.IsEmpty)
        {
            long rowWork = (long)batch * rank * (outFeatures + (inputGradient.IsEmpty ? 0 : inFeatures));
            int participants = LowRankCrossover.Participants(rowWork);
            KernelParallel.Run(new BackwardRows(rank, inFeatures, outFeatures, scale),
                new KernelSpans<T> { R0 = dy, R1 = b, R2 = a, W0 = dyB, W1 = inputGradient }, batch, RowGrain(batch, participants), participants);
        }

        int bBlocks = bGradient.IsEmpty ? 0 : (outFeatures + ColumnBlock - 1) / ColumnBlock;
        int aBlocks = aGradient.IsEmpty ? 0 : (inFeatures + ColumnBlock - 1) / ColumnBlock;
        long columnWork = (long)batch * rank * ((bBlocks == 0 ? 0 : outFeatures) + (aBlocks == 0 ? 0 : inFeatures));
        KernelParallel.Run(new ColumnGradients(rank, inFeatures, outFeatures, batch, scale, bBlocks),
            new KernelSpans<T> { R0 = xa, R1 = dy, R2 = dyB, R3 = x, W0 = bGradient, W1 = aGradient },
            bBlocks + aBlocks, 1, LowRankCrossover.Participants(columnWork));
    }

    /// <summary>The merge of <paramref name="layer"/>: <c>W[out, in] += scale·B·A</c> (scale = ±s), one GEMM on every core.</summary>
    public static void AddDeltaWeight(
        string layer, int rank, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, Span<T> weight, int inFeatures, int outFeatures)
    {
        LowRankSpans.CheckMerge(layer, rank, a, b, weight, inFeatures, outFeatures);
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, outFeatures, inFeatures, rank,
            scale, b, rank, a, inFeatures, T.One, weight, inFeatures);
    }

    /// <summary>
    /// Rows per chunk of a row region: two chunks per participant (a late worker leaves the caller one more chunk, not a
    /// wait), a multiple of 8 (whole micro-tiles); every chunk packs the r-wide factor again, so no smaller.
    /// </summary>
    private static int RowGrain(int batch, int participants) =>
        Math.Max(8, (batch + (2 * participants) - 1) / (2 * participants) + 7) / 8 * 8;

    /// <summary>Rows [start, end): <c>xa = x·Aᵀ</c>, then <c>y += s·xa·Bᵀ</c>. Spans: R0 x, R1 A, R2 B, W0 xa, W1 y.</summary>
    private readonly struct ForwardRows(int rank, int inFeatures, int outFeatures, T scale) : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> s)
        {
            int rows = end - start;
            var xa = s.W0.Slice(start * rank, rows * rank);

            // xa[rows, r] = x[rows, in]·A[r, in]ᵀ, then y[rows, out] += s·xa·B[out, r]ᵀ
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, rows, rank, inFeatures,
                T.One, s.R0.Slice(start * inFeatures, rows * inFeatures), inFeatures, s.R1, inFeatures, T.Zero, xa, rank);
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, rows, outFeatures, rank,
                scale, xa, rank, s.R2, rank, T.One, s.W1.Slice(start * outFeatures, rows * outFeatures), outFeatures);
        }
    }

    /// <summary>Rows [start, end): <c>g = dY·B</c>, then <c>dX += s·g·A</c> when dX is wanted. Spans: R0 dY, R1 B, R2 A, W0 g, W1 dX.</summary>
    private readonly struct BackwardRows(int rank, int inFeatures, int outFeatures, T scale) : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> s)
        {
            int rows = end - start;
            var g = s.W0.Slice(start * rank, rows * rank);

            // g[rows, r] = dY[rows, out]·B[out, r], then dX[rows, in] += s·g·A[r, in]
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, rank, outFeatures,
                T.One, s.R0.Slice(start * outFeatures, rows * outFeatures), outFeatures, s.R1, rank, T.Zero, g, rank);
            if (!s.W1.IsEmpty)
            {
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, inFeatures, rank,
                    scale, g, rank, s.R2, inFeatures, T.One, s.W1.Slice(start * inFeatures, rows * inFeatures), inFeatures);
            }
        }
    }

    /// <summary>
    /// Blocks [start, end): below <c>bBlocks</c>, rows o of dB: <c>dB[o, :] += s·dY[:, o]ᵀ·xa</c>; from <c>bBlocks</c> on,
    /// columns c of dA: <c>dA[:, c] += s·gᵀ·x[:, c]</c>. Each block sums the whole batch. Spans: R0 xa, R1 dY, R2 g, R3 x, W0 dB, W1 dA.
    /// </summary>
    private readonly struct ColumnGradients(int rank, int inFeatures, int outFeatures, int batch, T scale, int bBlocks) : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> s)
        {
            for (int block = start; block < end; block++)
            {
                if (block < bBlocks)
                {
                    int first = block * ColumnBlock, count = Math.Min(ColumnBlock, outFeatures - first);
                    Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, count, rank, batch,
                        scale, s.R1[first..], outFeatures, s.R0, rank, T.One, s.W0.Slice(first * rank, count * rank), rank);
                }
                else
                {
                    int first = (block - bBlocks) * ColumnBlock, count = Math.Min(ColumnBlock, inFeatures - first);
                    Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, rank, count, batch,
                        scale, s.R2, rank, s.R3[first..], inFeatures, T.One, s.W1[first..], inFeatures);
                }
            }
        }
    }
}
