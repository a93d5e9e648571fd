using Peft.Kernels;

namespace Peft.Tests.Testing;

/// <summary>
/// Allocation checks that also see the worker threads: the calling thread's own count plus what the GEMM
/// worker pool's threads record when they leave a region. Unlike a process-wide count this is blind to the
/// test runner's threads, which allocate whenever they report results, so a busy machine cannot fail it.
/// Before the windows the action runs past tiered compilation's call-count threshold (30 calls) and the
/// check waits for the background re-compilation; it then keeps the cleanest of several windows, because a
/// tier-up landing in one window may allocate: code that allocates per call shows up in every window.
/// </summary>
internal static class ThreadAllocations
{
    private const int WarmUpCalls = 40;
    private const int TierUpPauseMilliseconds = 300;

    /// <summary>The fewest bytes this thread and the pool's workers allocated over <paramref name="calls"/>
    /// calls of <paramref name="action"/>, in the best of <paramref name="windows"/> windows.</summary>
    public static long CleanestWindow(Action action, int calls, int windows = 10)
    {
        for (int i = 0; i < WarmUpCalls; i++)
        {
            action();
        }

        Thread.Sleep(TierUpPauseMilliseconds);
        long best = long.MaxValue;
        for (int window = 0; window < windows && best != 0; window++)
        {
            Thread.Sleep(5 + 20 * window);
            long before = Allocated();
            for (int i = 0; i < calls; i++)
            {
                action();
            }

            best = Math.Min(best, Allocated() - before);
        }

        return best;
    }

    /// <summary>Bytes allocated so far by this thread and, as last recorded, by the worker pool's threads.</summary>
    public static long Allocated() => GC.GetAllocatedBytesForCurrentThread() + GemmWorkerPool.WorkerAllocatedBytes;
}
