using Peft.Generators.Helpers;

namespace Peft.Generators;

/// <summary>
/// The part of every MoRA kernel that does not depend on the layer, written once per generated file:
/// the base class that runs forward and backward as one <c>KernelParallel</c> region over blocks of
/// items (compression, the block's M product and decompression per block, on one thread), the
/// region bodies, and the generic tile and rotation loops the layer kernels call.
/// </summary>
public sealed partial class PeftGenerator
{
    private static void WriteMoRAShared(IndentedWriter writer)
    {
        writer.Line("/// <summary>");
        writer.Line("/// What the MoRA kernels of this file share: <c>Forward</c> and <c>Backward</c> each run as one parallel region over");
        writer.Line("/// blocks of items, every block compressing, multiplying by M and decompressing its own rows on one thread");
        writer.Line("/// (the block's c and h stay in cache; one wake of the workers per call). The layer kernel supplies the passes.");
        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        writer.Line("/// The blocks depend only on the shape and the batch, never on the threads: <c>dM += dhᵀ·c</c> is summed per block");
        writer.Line("/// and the block sums are added in block order, so results are the same on any number of threads.");
        writer.Line("/// </remarks>");
        WriteGeneratedAttributes(writer);
        writer.Lines(MoRABaseText);
        writer.Line();
        WriteMoRARegion(writer, "Forward");
        writer.Line();
        WriteMoRARegion(writer, "Backward");
        writer.Line();
        writer.Line("/// <summary>The streaming loops of the MoRA kernels: one vectorized pass each, the sums held in registers.</summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock("file static class MoRALoops"))
        {
            WriteMoRATileLoops(writer);
            writer.Line();
            WriteMoRARotate(writer);
        }
    }

    // The same work threshold as the LoRA regions (ParallelWork), written from the one constant.
    private static readonly string MoRABaseText =
$$"""
file abstract class MoRAKernelBase<T> : global::Peft.Generated.IMoRAKernel<T>
    where T : unmanaged, global::System.Numerics.IBinaryFloatingPointIeee754<T>
{
    /// <summary>
    /// Rows of r̂ per block: a block's GEMMs pack M (r̂²) and write its dM sum (r̂²) once, about 1/256 of their
    /// multiply-adds, and its c, h and rows of x and y are still in cache when the block's next stage reads them.
    /// </summary>
    private const int BlockRows = 256;

    /// <summary>Below this much work (rows·r̂² + batch·(in + out)) a call is one block on the calling thread: waking a worker would cost more.</summary>
    private const long ParallelWork = {{ParallelWorkLiteral}};

    [global::System.ThreadStatic]
    private static T[]? t_partial;

    private readonly string _layer;
    private readonly int _itemsPerBlock;
    private int _nextBlock;

    /// <summary>Sets the geometry; the block size follows from it.</summary>
    protected MoRAKernelBase(string layer, global::Peft.MoRAShape shape)
    {
        _layer = layer;
        Shape = shape;
        _itemsPerBlock = global::System.Math.Max(1, BlockRows / shape.RowsPerItem);
    }

    /// <inheritdoc />
    public global::Peft.MoRAShape Shape { get; }

    /// <summary><c>c = compress(x)</c>, <c>h = c·Mᵀ</c>, <c>y += decompress(h)</c>, block by block.</summary>
    public void Forward(global::System.ReadOnlySpan<T> x, global::System.ReadOnlySpan<T> m, global::System.Span<T> compressed, global::System.Span<T> mixed, global::System.Span<T> y, int batch)
    {
        int length = batch * Shape.RowsPerItem * Shape.SquareRank;
        CheckLength(x.Length, batch * Shape.InFeatures, nameof(x));
        CheckLength(m.Length, Shape.SquareRank * Shape.SquareRank, nameof(m));
        CheckLength(compressed.Length, length, nameof(compressed));
        CheckLength(mixed.Length, length, nameof(mixed));
        CheckLength(y.Length, batch * Shape.OutFeatures, nameof(y));
        int grain = Grain(batch, out int participants);
        global::Peft.Generated.KernelParallel.Run(new MoRAForwardRegion<T>(this, grain),
            new global::Peft.Generated.KernelSpans<T> { R0 = x, R1 = m, W0 = compressed, W1 = mixed, W2 = y }, batch, grain, participants);
    }

    /// <summary><c>dh = decompressᵀ(dY)</c>, <c>dc = dh·M</c>, <c>dX += compressᵀ(dc)</c> and <c>dM += dhᵀ·c</c>, block by block.</summary>
    public void Backward(
        global::System.ReadOnlySpan<T> dy, global::System.ReadOnlySpan<T> m, global::System.ReadOnlySpan<T> compressed,
        global::System.Span<T> mixedGradient, global::System.Span<T> compressedGradient, global::System.Span<T> mGradient, global::System.Span<T> inputGradient, int batch)
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
        global::Peft.Generated.KernelParallel.Run(new MoRABackwardRegion<T>(this, grain),
            new global::Peft.Generated.KernelSpans<T> { R0 = dy, R1 = m, R2 = compressed, W0 = mixedGradient, W1 = compressedGradient, W2 = mGradient, W3 = inputGradient },
            batch, grain, participants);
    }

    /// <summary>
    /// Items per block (the region's grain) and the participants: at least two blocks, as even as the batch allows;
    /// a call with little work runs as one block on the calling thread. Both depend on the shape and batch only.
    /// </summary>
    private int Grain(int batch, out int participants)
    {
        int blocks = global::System.Math.Clamp((batch + _itemsPerBlock - 1) / _itemsPerBlock, global::System.Math.Min(2, batch), batch);
        long perItem = (long)Shape.RowsPerItem * Shape.SquareRank * Shape.SquareRank + Shape.InFeatures + Shape.OutFeatures;
        bool parallel = blocks > 1 && batch * perItem >= ParallelWork;
        participants = parallel ? global::Peft.Generated.KernelParallel.MaxParticipants : 1;
        return parallel ? (batch + blocks - 1) / blocks : global::System.Math.Max(1, batch);
    }

    internal void ForwardBlocks(int participant, int start, int end, int grain, in global::Peft.Generated.PinnedSpans<T> spans)
    {
        for (int first = start; first < end; first += grain)
        {
            int count = global::System.Math.Min(grain, end - first);
            int rank = Shape.SquareRank;
            int rows = count * Shape.RowsPerItem;
            int offset = first * Shape.RowsPerItem * rank;
            var c = spans.W0.Slice(offset, rows * rank);
            var h = spans.W1.Slice(offset, rows * rank);
            Compress(spans.R0.Slice(first * Shape.InFeatures, count * Shape.InFeatures), c, count, participant);

            // h[block rows, r̂] = c·Mᵀ, on this participant's thread
            global::Peft.Kernels.Gemm.Multiply(global::Peft.Kernels.MatrixTranspose.None, global::Peft.Kernels.MatrixTranspose.Transpose, rows, rank, rank,
                T.One, c, rank, spans.R1, rank, T.Zero, h, rank);
            Decompress(h, spans.W2.Slice(first * Shape.OutFeatures, count * Shape.OutFeatures), count);
        }
    }

    internal void BackwardBlocks(int participant, int start, int end, int grain, in global::Peft.Generated.PinnedSpans<T> spans)
    {
        for (int first = start; first < end; first += grain)
        {
            int count = global::System.Math.Min(grain, end - first);
            int rank = Shape.SquareRank;
            int rows = count * Shape.RowsPerItem;
            int offset = first * Shape.RowsPerItem * rank;
            var dh = spans.W0.Slice(offset, rows * rank);
            DecompressAdjoint(spans.R0.Slice(first * Shape.OutFeatures, count * Shape.OutFeatures), dh, count);
            if (!spans.W3.IsEmpty)
            {
                // dc[block rows, r̂] = dh·M, then dX += compressᵀ(dc)
                var dc = spans.W1.Slice(offset, rows * rank);
                global::Peft.Kernels.Gemm.Multiply(global::Peft.Kernels.MatrixTranspose.None, global::Peft.Kernels.MatrixTranspose.None, rows, rank, rank,
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
    private void AddMGradient(int block, global::System.ReadOnlySpan<T> dh, global::System.ReadOnlySpan<T> c, int rows, global::System.Span<T> mGradient)
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

            target = global::System.MemoryExtensions.AsSpan(partial, 0, rank * rank);
        }

        bool computed = false;
        try
        {
            global::Peft.Kernels.Gemm.Multiply(global::Peft.Kernels.MatrixTranspose.Transpose, global::Peft.Kernels.MatrixTranspose.None, rank, rank, rows,
                T.One, dh, rank, c, rank, block == 0 ? T.One : T.Zero, target, rank);
            computed = true;
        }
        finally
        {
            if (block != 0)
            {
                global::System.Threading.SpinWait spinner = default;
                while (global::System.Threading.Volatile.Read(ref _nextBlock) != block)
                {
                    spinner.SpinOnce(sleep1Threshold: -1); // no Thread.Sleep(1): the wait is one block of work, far below a scheduler tick
                }

                if (computed)
                {
                    global::System.Numerics.Tensors.TensorPrimitives.Add<T>(mGradient, target, mGradient);
                }
            }

            global::System.Threading.Volatile.Write(ref _nextBlock, block + 1);
        }
    }

    /// <summary>Writes c for <paramref name="batch"/> items (rows of x); <paramref name="participant"/> picks the scratch.</summary>
    protected abstract void Compress(global::System.ReadOnlySpan<T> x, global::System.Span<T> compressed, int batch, int participant);

    /// <summary>Adds decompress(h) to the items' rows of y.</summary>
    protected abstract void Decompress(global::System.ReadOnlySpan<T> mixed, global::System.Span<T> y, int batch);

    /// <summary>Writes dh = decompressᵀ(dY) for the items.</summary>
    protected abstract void DecompressAdjoint(global::System.ReadOnlySpan<T> dy, global::System.Span<T> mixedGradient, int batch);

    /// <summary>Adds compressᵀ(dc) to the items' rows of dX; <paramref name="participant"/> picks the scratch.</summary>
    protected abstract void CompressAdjoint(global::System.ReadOnlySpan<T> compressedGradient, global::System.Span<T> inputGradient, int batch, int participant);

    /// <summary>The passes use unchecked references: every span is checked once, up front.</summary>
    private void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new global::System.ArgumentException(
                $"{_layer}: span '{name}' has {actual} elements, expected {expected}.", name);
        }
    }
}
""";

    private static void WriteMoRARegion(IndentedWriter writer, string pass)
    {
        writer.Line($"/// <summary>The {pass.ToLowerInvariant()} region: items [start, end) in blocks of <c>grain</c>, see <see cref=\"MoRAKernelBase{{T}}\"/>.</summary>");
        WriteGeneratedAttributes(writer);
        writer.Line($"file readonly struct MoRA{pass}Region<T>(MoRAKernelBase<T> kernel, int grain) : global::Peft.Generated.IKernelRegion<T>");
        using (writer.Indent())
        {
            writer.Line("where T : unmanaged, global::System.Numerics.IBinaryFloatingPointIeee754<T>");
        }

        using (writer.OpenBlock())
        {
            writer.Line("public void Execute(int participant, int start, int end, in global::Peft.Generated.PinnedSpans<T> spans)");
            using (writer.Indent())
            {
                writer.Line($"=> kernel.{pass}Blocks(participant, start, end, grain, spans);");
            }
        }
    }
}
