namespace Peft.Kernels;

/// <summary>
/// The protocol every parallel region on <see cref="GemmWorkerPool"/> follows. Work is claimed, never
/// assigned, and completion is counted rather than met at a barrier, so the caller (participant 0) alone
/// can finish it and a worker that wakes late — the machine is busy, or its region is already over —
/// simply finds less to do. Workers enter through a gate, which the caller shuts once all work is done;
/// it then waits until no worker is still inside before it returns, so no worker touches the operands
/// after the region.
/// </summary>
internal abstract class GatedParallelWork : IGemmParallelWork
{
    private int _closed = 1;
    private int _inside;

    public void Execute(int thread)
    {
        if (thread == 0)
        {
            Work(0);

            // Every piece is done; shut the gate and wait until no worker is still inside.
            Interlocked.Exchange(ref _closed, 1);
            WaitUntil(ref _inside, 0, exact: true);
            return;
        }

        Interlocked.Increment(ref _inside);
        if (Volatile.Read(ref _closed) == 0)
        {
            Work(thread);
        }

        // Recorded before leaving, so the count is current by the time the caller returns.
        GemmWorkerPool.RecordWorkerAllocations(thread);
        Interlocked.Decrement(ref _inside);
    }

    /// <summary>Opens the gate: the last step of preparing a region, after its operands are set.</summary>
    protected void Open() => Volatile.Write(ref _closed, 0);

    /// <summary>Participant <paramref name="participant"/>'s share; for the caller (0), returns only when all work is done.</summary>
    protected abstract void Work(int participant);

    /// <summary>Takes the next ticket below <paramref name="end"/>, never moving the counter past it.</summary>
    protected static bool TryClaim(ref int counter, int end, out int ticket)
    {
        while (true)
        {
            ticket = Volatile.Read(ref counter);
            if (ticket >= end)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, ticket + 1, ticket) == ticket)
            {
                return true;
            }
        }
    }

    /// <summary>Spins (never sleeps) until the counter reaches <paramref name="target"/> (equals it when <paramref name="exact"/>).</summary>
    protected static void WaitUntil(ref int counter, int target, bool exact)
    {
        SpinWait spinner = default;
        while (exact ? Volatile.Read(ref counter) != target : Volatile.Read(ref counter) < target)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
