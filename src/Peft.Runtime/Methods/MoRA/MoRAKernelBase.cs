using Peft.Kernels;
using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Threading;

namespace Peft.Generated;

/// <summary>
/// What every generated MoRA kernel shares (the generator emits only the layer passes): <c>Forward</c> and <c>Backward</c> each run as one parallel region over
/// blocks of items, every block compressing, multiplying by M and decompressing its own rows on one thread
/// (the block's c and h stay in cache; one wake of the workers per call). The layer kernel supplies the passes.
/// </summary>
/// <remarks>
/// The blocks depend only on the shape and the batch, never on the threads: <c>dM += dhᵀ·c</c> is summed per block
/// and the block sums are added in block order, so results are the same on any number of threads.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class MoRAKernelBase<T> : IMoRAKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>
    /// Rows of r̂ per block: a block's GEMMs pack M (r̂²) and write its dM sum (r̂²) once, about 1/256 of their
    /// multiply-adds, and its c, h and rows of x and y are still in cache when the block's next stage reads them.
    /// </summary>
    private const int BlockRows = 256;

    /// <summary>Below this much work (rows·r̂² + batch·(in + out)) a call is one block on the calling thread: waking a worker would cost more.</summary>
    private const long ParallelWork = 2_000_000;

    [ThreadStatic]
    private static T[]? t_partial;

    private readonly string _layer;
    private readonly int _itemsPerBlock;
    private int _nextBlock;

    /// <summary>Sets the geometry; the block size follows from it.</summary>
    protected MoRAKernelBase(string layer, MoRAShape shape)
    {
        _layer = layer;
        Shape = shape;
        _itemsPerBlock = Math.Max(1, BlockRows / shape.RowsPerItem);
    }

    /// <inheritdoc />
    public MoRAShape Shape { get; }

    /// <summary><c>c = compress(x)</c>, <c>h = c·Mᵀ</c>, <c>y += decompress(h)</c>, block by block.</summary>
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> m, Span<T> compressed, Span<T> mixed, Span<T> y, int batch)
    {
        int length = batch * Shape.RowsPerItem * Shape.SquareRank;
        CheckLength(x.Length, batch * Shape.InFeatures, nameof(x));
        CheckLength(m.Length, Shape.SquareRank * Shape.SquareRank, nameof(m));
        CheckLength(compressed.Length, length, nameof(compressed));
        CheckLength(mixed.Length, length, nameof(mixed));
        CheckLength(y.Length, batch * Shape.OutFeatures, nameof(y));
        int grain = Grain(batch, out int participants);
        KernelParallel.Run(new MoRAForwardRegion<T>(this, grain),
            new KernelSpans<T> { R0 = x, R1 = m, W0 = compressed, W1 = mixed, W2 = y }, batch, grain, participants);
    }

    /// <summary><c>dh = decompressᵀ(dY)</c>, <c>dc = dh·M</c>, <c>dX += compressᵀ(dc)</c> and <c>dM += dhᵀ·c</c>, block by block.</summary>
    public void Backward(
        ReadOnlySpan<T> dy, ReadOnlySpan<T> m, ReadOnlySpan<T> compressed,
        Span<T> mixedGradient, Span<T> compressedGradient, Span<T> mGradient, Span<T> inputGradient, int batch)
    {
        int length = batch * Shape.RowsPerItem * Shape.SquareRank;
        CheckLength(dy.Length, batch * Shape.OutFeatures, nameof(dy));
        CheckLength(m.Length, Shape.SquareRank * Shape.SquareRank, nameof(m));
        CheckLength(compressed.Length, length, nameof(compressed));
        CheckLength(mixedGradient.Length, length, nameof(mixedGradient));
        if (!mGradient.IsEmpty)
        {
            CheckLength(mGradient.Length, Shape.SquareRank * Shape.SquareRank, nameof(mGradient));
        }

        if (!inputGradient.IsEmpty)
        {
            CheckLength(compressedGradient.Length, length, nameof(compressedGradient));
            CheckLength(inputGradient.Length, batch * Shape.InFeatures, nameof(inputGradient));
        }
        else
        {
            compressedGradient = default;
        }

        int grain = Grain(batch, out int participants);
        _nextBlock = 0;
        KernelParallel.Run(new MoRABackwardRegion<T>(this, grain),
            new KernelSpans<T> { R0 = dy, R1 = m, R2 = compressed, W0 = mixedGradient, W1 = compressedGradient, W2 = mGradient, W3 = inputGradient },
            batch, grain, participants);
    }

    /// <summary>
    /// Items per block (the region's grain) and the participants: at least two blocks, as even as the batch allows;
    /// a call with little work runs as one block on the calling thread. Both depend on the shape and batch only.
    /// </summary>
    private int Grain(int batch, out int participants)
    {
        int blocks = Math.Clamp((batch + _itemsPerBlock - 1) / _itemsPerBlock, Math.Min(2, batch), batch);
        long perItem = (long)Shape.RowsPerItem * Shape.SquareRank * Shape.SquareRank + Shape.InFeatures + Shape.OutFeatures;
        bool parallel = blocks > 1 && batch * perItem >= ParallelWork;
        participants = parallel ? KernelParallel.MaxParticipants : 1;
        return parallel ? (batch + blocks - 1) / blocks : Math.Max(1, batch);
    }

    internal void ForwardBlocks(int participant, int start, int end, int grain, in PinnedSpans<T> spans)
    {
        for (int first = start; first < end; first += grain)
        {
            int count = Math.Min(grain, end - first);
            int rank = Shape.SquareRank;
            int rows = count * Shape.RowsPerItem;
            int offset = first * Shape.RowsPerItem * rank;
            var c = spans.W0.Slice(offset, rows * rank);
            var h = spans.W1.Slice(offset, rows * rank);
            Compress(spans.R0.Slice(first * Shape.InFeatures, count * Shape.InFeatures), c, count, participant);

            // h[block rows, r̂] = c·Mᵀ, on this participant's thread
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, rows, rank, rank,
                T.One, c, rank, spans.R1, rank, T.Zero, h, rank);
            Decompress(h, spans.W2.Slice(first * Shape.OutFeatures, count * Shape.OutFeatures), count);
        }
    }

    internal void BackwardBlocks(int participant, int start, int end, int grain, in PinnedSpans<T> spans)
    {
        for (int first = start; first < end; first += grain)
        {
            int count = Math.Min(grain, end - first);
            int rank = Shape.SquareRank;
            int rows = count * Shape.RowsPerItem;
            int offset = first * Shape.RowsPerItem * rank;
            var dh = spans.W0.Slice(offset, rows * rank);
            DecompressAdjoint(spans.R0.Slice(first * Shape.OutFeatures, count * Shape.OutFeatures), dh, count);
            if (!spans.W3.IsEmpty)
            {
                // dc[block rows, r̂] = dh·M, then dX += compressᵀ(dc)
                var dc = spans.W1.Slice(offset, rows * rank);
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, rank, rank,
                    T.One, dh, rank, spans.R1, rank, T.Zero, dc, rank);
                CompressAdjoint(dc, spans.W3.Slice(first * Shape.InFeatures, count * Shape.InFeatures), count, participant);
            }

            if (!spans.W2.IsEmpty)
            {
                AddMGradient(first / grain, dh, spans.R2.Slice(offset, rows * rank), rows, spans.W2);
            }
        }
    }

    /// <summary>
    /// <c>dM += dh_bᵀ·c_b</c> in block order, whichever thread ran block b: block 0 accumulates into dM, a later block
    /// multiplies into its thread's scratch, waits until block b − 1 has added its sum, then adds (blocks are claimed in order).
    /// </summary>
    private void AddMGradient(int block, ReadOnlySpan<T> dh, ReadOnlySpan<T> c, int rows, Span<T> mGradient)
    {
        int rank = Shape.SquareRank;
        var target = mGradient;
        if (block != 0)
        {
            var partial = t_partial;
            if (partial is null || partial.Length < rank * rank)
            {
                t_partial = partial = new T[rank * rank];
            }

            target = MemoryExtensions.AsSpan(partial, 0, rank * rank);
        }

        bool computed = false;
        try
        {
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, rank, rank, rows,
                T.One, dh, rank, c, rank, block == 0 ? T.One : T.Zero, target, rank);
            computed = true;
        }
        finally
        {
            if (block != 0)
            {
                SpinWait spinner = default;
                while (Volatile.Read(ref _nextBlock) != block)
                {
                    spinner.SpinOnce(sleep1Threshold: -1); // no Thread.Sleep(1): the wait is one block of work, far below a scheduler tick
                }

                if (computed)
                {
                    TensorPrimitives.Add<T>(mGradient, target, mGradient);
                }
            }

            Volatile.Write(ref _nextBlock, block + 1);
        }
    }

    /// <summary>Writes c for <paramref name="batch"/> items (rows of x); <paramref name="participant"/> picks the scratch.</summary>
    protected abstract void Compress(ReadOnlySpan<T> x, Span<T> compressed, int batch, int participant);

    /// <summary>Adds decompress(h) to the items' rows of y.</summary>
    protected abstract void Decompress(ReadOnlySpan<T> mixed, Span<T> y, int batch);

    /// <summary>Writes dh = decompressᵀ(dY) for the items.</summary>
    protected abstract void DecompressAdjoint(ReadOnlySpan<T> dy, Span<T> mixedGradient, int batch);

    /// <summary>Adds compressᵀ(dc) to the items' rows of dX; <paramref name="participant"/> picks the scratch.</summary>
    protected abstract void CompressAdjoint(ReadOnlySpan<T> compressedGradient, Span<T> inputGradient, int batch, int participant);

    /// <summary>The passes use unchecked references: every span is checked once, up front.</summary>
    private void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException(
                $"{_layer}: span '{name}' has {actual} elements, expected {expected}.", name);
        }
    }
}
