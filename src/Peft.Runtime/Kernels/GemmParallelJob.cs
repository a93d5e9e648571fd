using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// The multi-threaded form of <see cref="GemmDriver{T, TKernel}"/>'s loop nest. For each (jc, pc) block
/// the participants pack disjoint micro-panels of B into one shared buffer, meet at a barrier, then
/// claim (Mc-block × column-chunk) items of C from a shared counter (so a thread slowed by other load
/// simply takes fewer), each packing A into its own buffer, and meet again before B is repacked.
/// One instance per element type and kernel, used only while the worker pool is held.
/// </summary>
internal sealed unsafe class GemmParallelJob<T, TKernel> : IGemmParallelWork
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    private readonly GemmSpinBarrier _barrier = new();
    private GemmOperands<T> _op;
    private T* _packedB;
    private int _nextItem;

    /// <summary>Loads the operands; the packed B block lives in the calling thread's buffer.</summary>
    public GemmParallelJob<T, TKernel> Prepare(in GemmOperands<T> op, int threads)
    {
        _op = op;
        int nc = Math.Min(GemmBlocking<T, TKernel>.Nc, op.N);
        _packedB = GemmBuffers<T>.PackedB(GemmBlocking<T, TKernel>.Kc * GemmDriver<T, TKernel>.RoundUp(nc, TKernel.Nr));
        _barrier.Reset(threads);
        return this;
    }

    public void Execute(int thread, int threadCount)
    {
        int kcMax = GemmBlocking<T, TKernel>.Kc;
        int mcMax = GemmBlocking<T, TKernel>.Mc;
        int ncMax = GemmBlocking<T, TKernel>.Nc;
        int nr = TKernel.Nr;
        ref readonly GemmOperands<T> op = ref _op;
        T* packedA = GemmBuffers<T>.PackedA(kcMax * GemmDriver<T, TKernel>.RoundUp(Math.Min(mcMax, op.M), TKernel.Mr));
        int icBlocks = (op.M + mcMax - 1) / mcMax;
        for (int jc = 0; jc < op.N; jc += ncMax)
        {
            int nc = Math.Min(ncMax, op.N - jc);
            int panels = GemmDriver<T, TKernel>.PanelCount(nc);

            // Too few Mc blocks to keep every thread busy: also split the columns.
            int chunks = icBlocks >= 2 * threadCount ? 1 : Math.Min(panels, ((2 * threadCount) + icBlocks - 1) / icBlocks);
            int items = icBlocks * chunks;
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, op.K - pc);
                T beta = pc == 0 ? op.Beta : T.One;
                GemmDriver<T, TKernel>.PackB(
                    op, jc, nc, pc, kc, panels * thread / threadCount, panels * (thread + 1) / threadCount, _packedB);
                if (thread == 0)
                {
                    // Safe: every claim of the previous block happened before the last barrier.
                    _nextItem = 0;
                }

                _barrier.SignalAndWait();
                int packedIc = -1;
                int item;
                while ((item = Interlocked.Increment(ref _nextItem) - 1) < items)
                {
                    int ic = item / chunks * mcMax;
                    int chunk = item % chunks;
                    int mc = Math.Min(mcMax, op.M - ic);
                    if (ic != packedIc)
                    {
                        GemmPacking.PackA(op.A, op.Lda, op.TransA, ic, mc, pc, kc, TKernel.Mr, packedA);
                        packedIc = ic;
                    }

                    int jrStart = panels * chunk / chunks * nr;
                    int jrEnd = Math.Min(nc, panels * (chunk + 1) / chunks * nr);
                    GemmMacroKernel<T, TKernel>.Run(
                        packedA, _packedB, mc, jrStart, jrEnd, kc, op.C + ((nint)ic * op.Ldc) + jc, op.Ldc, op.Alpha, beta);
                }

                _barrier.SignalAndWait();
            }
        }
    }
}
