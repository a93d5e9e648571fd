using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// The multi-threaded loop nest. For each column block jc, the participants first pack the whole
/// <c>k×nc</c> block of op(B) into one shared buffer (claiming Nr-wide panels from a counter), then
/// claim items of C — an Mc block of rows, or part of one when there are few — and run every rank-Kc
/// update of that item in order, packing A into their own buffer. When A has fewer than two Mc blocks
/// per thread (a short or deep product such as <c>dM[r̂×r̂] += dhᵀ·c</c> with k = rows), items split the
/// columns and would each pack the same A block again: then A is packed once, up front, into one
/// shared buffer (at most about 4 MiB) that every item reads.
/// </summary>
/// <remarks>
/// The claiming and gate protocol is <see cref="GatedParallelWork"/>'s. One instance per element type
/// and kernel, prepared only while the worker pool is held.
/// </remarks>
internal sealed unsafe class GemmParallelJob<T, TKernel> : GatedParallelWork
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>Packed B for a whole column block is capped at about 4 MiB (it is read from L3).</summary>
    private const int PackedBBudgetBytes = 4 * 1024 * 1024;

    /// <summary>A packed once for all items when it has few row blocks: at most about 4 MiB.</summary>
    private const int SharedABudgetBytes = 4 * 1024 * 1024;

    private GemmOperands<T> _op;
    private T* _packedB;
    private T* _sharedA;
    private int _aTickets;
    private int _nextATicket;
    private int _aTicketsDone;
    private int _ncBlock;
    private int _threads;
    private int _nextPanel;
    private int _panelsDone;
    private int _nextItem;
    private int _itemsDone;

    /// <summary>
    /// Loads the operands and opens the gate; the packed B block lives in the calling thread's buffer.
    /// <paramref name="threads"/> fixes how C is cut into items, the same for every participant.
    /// </summary>
    public GemmParallelJob<T, TKernel> Prepare(in GemmOperands<T> op, int threads)
    {
        int nr = TKernel.Nr;
        _op = op;
        _threads = threads;
        _ncBlock = Math.Clamp(PackedBBudgetBytes / sizeof(T) / op.K / nr * nr, nr, GemmDriver<T, TKernel>.RoundUp(op.N, nr));
        _packedB = GemmBuffers<T>.PackedB(op.K * _ncBlock);

        // Few row blocks: the items split columns and would pack the same A blocks again and again.
        int icBlocks = GemmDriver<T, TKernel>.RowBlockCount(op.M);
        long sharedLength = (long)GemmDriver<T, TKernel>.RoundUp(op.M, TKernel.Mr) * op.K;
        bool shareA = icBlocks < 2 * threads && op.N > nr && sharedLength * sizeof(T) <= SharedABudgetBytes;
        _sharedA = shareA ? GemmBuffers<T>.SharedA((int)sharedLength) : null;
        _aTickets = shareA ? icBlocks * KSteps(op.K) : 0;
        _nextATicket = 0;
        _aTicketsDone = 0;
        _nextPanel = 0;
        _panelsDone = 0;
        _nextItem = 0;
        _itemsDone = 0;
        Open();
        return this;
    }

    protected override void Work(int participant)
    {
        int kcMax = GemmBlocking<T, TKernel>.Kc;
        int mcMax = GemmBlocking<T, TKernel>.Mc;
        int nr = TKernel.Nr;
        ref readonly GemmOperands<T> op = ref _op;
        T* packedA = _sharedA != null ? null : GemmBuffers<T>.PackedA(kcMax * GemmDriver<T, TKernel>.RoundUp(Math.Min(mcMax, op.M), TKernel.Mr));
        int icBlocks = GemmDriver<T, TKernel>.RowBlockCount(op.M);
        if (_sharedA != null)
        {
            // Phase 0: pack every (row block, rank-Kc step) of op(A) once; items only read it.
            int steps = KSteps(op.K);
            while (TryClaim(ref _nextATicket, _aTickets, out int ticket))
            {
                int ic = ticket / steps * mcMax;
                int pc = ticket % steps * kcMax;
                int mc = Math.Min(mcMax, op.M - ic);
                GemmPacking.PackA(op.A, op.Lda, op.TransA, ic, mc, pc, Math.Min(kcMax, op.K - pc), TKernel.Mr, SharedBlock(ic, mc, pc));
                Interlocked.Increment(ref _aTicketsDone);
            }

            WaitUntil(ref _aTicketsDone, _aTickets, exact: false);
        }

        // Work is numbered across column blocks, so every participant walks the same sequence of tickets.
        int panelBase = 0;
        int itemBase = 0;
        for (int jc = 0; jc < op.N; jc += _ncBlock)
        {
            int nc = Math.Min(_ncBlock, op.N - jc);
            int panels = GemmDriver<T, TKernel>.PanelCount(nc);
            nint slab = (nint)panels * nr;

            // Phase 1: pack op(B)[0..k, jc..jc+nc) as one Kc×(panels·Nr) slab per rank-Kc step.
            while (TryClaim(ref _nextPanel, panelBase + panels, out int ticket))
            {
                int q = ticket - panelBase;
                for (int pc = 0; pc < op.K; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, op.K - pc);
                    GemmDriver<T, TKernel>.PackB(op, jc, nc, pc, kc, q, q + 1, _packedB + (pc * slab));
                }

                Interlocked.Increment(ref _panelsDone);
            }

            panelBase += panels;
            WaitUntil(ref _panelsDone, panelBase, exact: false);

            // Phase 2: items of C. Too few Mc blocks to keep every thread busy: also split the columns.
            int chunks = icBlocks >= 2 * _threads ? 1 : Math.Min(panels, ((2 * _threads) + icBlocks - 1) / icBlocks);
            int items = icBlocks * chunks;
            while (TryClaim(ref _nextItem, itemBase + items, out int ticket))
            {
                int item = ticket - itemBase;
                int ic = item / chunks * mcMax;
                int chunk = item % chunks;
                int mc = Math.Min(mcMax, op.M - ic);
                int jrStart = panels * chunk / chunks * nr;
                int jrEnd = Math.Min(nc, panels * (chunk + 1) / chunks * nr);
                T* c = op.C + ((nint)ic * op.Ldc) + jc;
                for (int pc = 0; pc < op.K; pc += kcMax)
                {
                    // C = alpha·A·B + beta·C on the first rank-Kc step, then accumulate (beta = 1).
                    int kc = Math.Min(kcMax, op.K - pc);
                    T* blockA = packedA;
                    if (_sharedA != null)
                    {
                        blockA = SharedBlock(ic, mc, pc);
                    }
                    else
                    {
                        GemmPacking.PackA(op.A, op.Lda, op.TransA, ic, mc, pc, kc, TKernel.Mr, packedA);
                    }

                    GemmMacroKernel<T, TKernel>.Run(
                        blockA, _packedB + (pc * slab), mc, jrStart, jrEnd, kc, c, op.Ldc, op.Alpha, pc == 0 ? op.Beta : T.One);
                }

                Interlocked.Increment(ref _itemsDone);
            }

            // The B buffer is repacked for the next column block only after every item has used it.
            itemBase += items;
            WaitUntil(ref _itemsDone, itemBase, exact: false);
        }
    }

    private static int KSteps(int k) => (k + GemmBlocking<T, TKernel>.Kc - 1) / GemmBlocking<T, TKernel>.Kc;

    // Row block ic of the shared packed A holds RoundUp(mc, Mr)·K elements, its rank-Kc steps one after another.
    private T* SharedBlock(int ic, int mc, int pc)
        => _sharedA + ((nint)ic * _op.K) + ((nint)pc * GemmDriver<T, TKernel>.RoundUp(mc, TKernel.Mr));
}
