namespace Peft.Tests.Testing;

/// <summary>
/// Process-wide allocation checks, which also see worker threads. The test runner's own threads
/// allocate now and then (result reporting lags behind the tests), so the check times several windows
/// with a pause before each and keeps the cleanest: code that allocates shows up in every window.
/// Before the windows the action runs past tiered compilation's call-count threshold (30 calls) and the
/// check waits for the background re-compilation: a tier-up landing inside every window allocates too.
/// </summary>
internal static class ProcessAllocations
{
    private const int WarmUpCalls = 40;
    private const int TierUpPauseMilliseconds = 300;

    /// <summary>The fewest bytes the whole process allocated over <paramref name="calls"/> calls of
    /// <paramref name="action"/>, in the best of <paramref name="windows"/> windows.</summary>
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
            // A longer pause each time: on a busy machine the runner's reporting threads lag behind for a while.
            Thread.Sleep(5 + 20 * window);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < calls; i++)
            {
                action();
            }

            best = Math.Min(best, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        return best;
    }
}
