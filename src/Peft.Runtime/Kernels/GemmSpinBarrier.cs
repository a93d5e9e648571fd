namespace Peft.Kernels;

/// <summary>
/// A reusable barrier for the short phases of a parallel GEMM. Waiters spin, then yield, but never
/// sleep a whole millisecond; it allocates nothing.
/// </summary>
internal sealed class GemmSpinBarrier
{
    private int _participants;
    private int _remaining;
    private int _generation;

    /// <summary>Arms the barrier for <paramref name="participants"/> threads; call while no one waits.</summary>
    public void Reset(int participants)
    {
        _participants = participants;
        _remaining = participants;
    }

    /// <summary>Waits until all participants have arrived.</summary>
    public void SignalAndWait()
    {
        // The generation cannot advance before this thread arrives, so this read is the current one.
        int generation = Volatile.Read(ref _generation);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _remaining = _participants;
            Volatile.Write(ref _generation, generation + 1);
            return;
        }

        SpinWait spinner = default;
        while (Volatile.Read(ref _generation) == generation)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
