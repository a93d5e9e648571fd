using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// The GotoBLAS/BLIS loop nest around one micro-kernel, on the calling thread:
/// <code>
/// for jc in 0..n step Nc            // block of columns of C and B
///   for pc in 0..k step Kc          // rank-Kc update; beta applies on the first one only
///     pack op(B)[pc.., jc..]        // Kc×Nc, in Nr-wide micro-panels
///     for ic in 0..m step Mc
///       pack op(A)[ic.., pc..]      // Mc×Kc, in Mr-tall micro-panels
///       macro-kernel                // jr over Nr, ir over Mr, micro-kernel on each tile
/// </code>
/// Large problems go to <see cref="GemmParallelJob{T, TKernel}"/> on the worker pool instead.
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>Problems with fewer multiply-adds than this run on the calling thread only.</summary>
    private const long ParallelThreshold = 96L * 96 * 96;

    /// <summary>Largest k·Nr the shared packed-B buffer of the threaded path may need.</summary>
    private const long MaxParallelDepthElements = 1L << 26;

    private static readonly GemmParallelJob<T, TKernel> Job = new();

    /// <summary>Runs the blocked GEMM on up to <paramref name="maxThreads"/> threads.</summary>
    public static void Run(in GemmOperands<T> op, int maxThreads)
    {
        // The threaded path packs all of k for at least one Nr-wide panel; absurdly deep problems stay serial.
        bool parallel = (long)op.M * op.N * op.K >= ParallelThreshold && (long)op.K * TKernel.Nr <= MaxParallelDepthElements;
        int threads = parallel ? Math.Min(maxThreads, KernelWorkerPool.MaxThreads) : 1;
        if ((long)op.M * op.N * op.K >= ParallelThreshold && GemmDepthSplit<T, TKernel>.Applies(op))
        {
            // Deep and narrow: split k, whatever the thread count (the chunks and their sum order depend on the shape only).
            GemmDepthSplit<T, TKernel>.Run(op, Math.Min(maxThreads, KernelWorkerPool.MaxThreads));
            return;
        }

        if (threads > 1 && IsNarrow(op, threads))
        {
            threads = 1;
        }

        if (threads > 1 && KernelWorkerPool.TryAcquire())
        {
            try
            {
                KernelWorkerPool.Run(Job.Prepare(op, threads), threads);
            }
            finally
            {
                KernelWorkerPool.Release();
            }

            return;
        }

        RunSequential(op);
    }

    /// <summary>
    /// Fewer row blocks than threads and fewer than four Nr panels per thread: every item would stream all of
    /// packed A from L3 for one narrow panel, and two threads measured slower than one (a deep r̂×r̂ product such as
    /// <c>dM = dhᵀ·c</c>, 128×128×4096: 110–130 against 130–165 GFLOPS on the development machine).
    /// </summary>
    private static bool IsNarrow(in GemmOperands<T> op, int threads)
    {
        return RowBlockCount(op.M) < threads && PanelCount(op.N) < 4 * threads;
    }

    /// <summary>The whole loop nest on the calling thread.</summary>
    public static void RunSequential(in GemmOperands<T> op)
    {
        int kcMax = GemmBlocking<T, TKernel>.Kc;
        int mcMax = GemmBlocking<T, TKernel>.Mc;
        int ncMax = GemmBlocking<T, TKernel>.Nc;
        T* packedB = GemmBuffers<T>.PackedB(kcMax * RoundUp(Math.Min(ncMax, op.N), TKernel.Nr));
        T* packedA = GemmBuffers<T>.PackedA(kcMax * RoundUp(Math.Min(mcMax, op.M), TKernel.Mr));
        for (int jc = 0; jc < op.N; jc += ncMax)
        {
            int nc = Math.Min(ncMax, op.N - jc);
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int kc = Math.Min(kcMax, op.K - pc);
                T beta = pc == 0 ? op.Beta : T.One;
                PackB(op, jc, nc, pc, kc, 0, PanelCount(nc), packedB);
                for (int ic = 0; ic < op.M; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, op.M - ic);
                    GemmPacking.PackA(op.A, op.Lda, op.TransA, ic, mc, pc, kc, TKernel.Mr, packedA);
                    GemmMacroKernel<T, TKernel>.Run(
                        packedA, packedB, mc, 0, nc, kc, op.C + ((nint)ic * op.Ldc) + jc, op.Ldc, op.Alpha, beta);
                }
            }
        }
    }

    /// <summary>Number of Mc-tall row blocks covering <paramref name="m"/> rows.</summary>
    public static int RowBlockCount(int m) => (m + GemmBlocking<T, TKernel>.Mc - 1) / GemmBlocking<T, TKernel>.Mc;

    /// <summary>Number of Nr-wide micro-panels covering <paramref name="nc"/> columns.</summary>
    public static int PanelCount(int nc) => (nc + TKernel.Nr - 1) / TKernel.Nr;

    /// <summary>Packs B micro-panels <c>[firstPanel, endPanel)</c> of the block at (pc, jc).</summary>
    public static void PackB(in GemmOperands<T> op, int jc, int nc, int pc, int kc, int firstPanel, int endPanel, T* packedB)
    {
        int nr = TKernel.Nr;
        for (int q = firstPanel; q < endPanel; q++)
        {
            int jr = q * nr;
            GemmPacking.PackBPanel(
                op.B, op.Ldb, op.TransB, pc, kc, jc + jr, Math.Min(nr, nc - jr), nr, packedB + ((nint)jr * kc));
        }
    }

    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
