using Peft.Kernels;

namespace Peft.Generated;

/// <summary>
/// Runs a kernel's loop over items on the persistent worker threads that <see cref="Gemm"/> uses, for
/// generated adapter kernels and the runtime's own. Participants claim chunks of items from a shared
/// counter (a worker that wakes late finds less to do) and nothing is allocated per call.
/// </summary>
/// <remarks>
/// <para>One region runs at a time. When the pool is busy — another thread's region or GEMM, or this
/// thread already inside a region — the whole range runs on the calling thread as participant 0.
/// A <see cref="Gemm"/> called from inside a region runs on the calling participant's thread.</para>
/// <para>An exception thrown by any participant is rethrown on the calling thread once every
/// participant has left the region.</para>
/// </remarks>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public static unsafe class KernelParallel
{
    /// <summary>The most participants a region can have: one per logical processor.</summary>
    public static int MaxParticipants => KernelWorkerPool.MaxThreads;

    /// <summary>
    /// The most participants <see cref="Run"/> will use for this work: at most one per chunk of
    /// <paramref name="grain"/> items, <see cref="MaxParticipants"/> and <paramref name="maxParticipants"/>.
    /// Participant indices passed to the region are below it (size per-participant partial sums with it).
    /// </summary>
    public static int PlannedParticipants(int count, int grain, int maxParticipants)
    {
        Validate(count, grain, maxParticipants);
        int chunks = (int)(((long)count + grain - 1) / grain);
        return Math.Max(1, Math.Min(Math.Min(maxParticipants, MaxParticipants), chunks));
    }

    /// <summary>
    /// Runs <paramref name="region"/> over items <c>[0, count)</c> in chunks of <paramref name="grain"/>
    /// items on up to <see cref="PlannedParticipants"/> threads, the caller included, and returns when
    /// every item is done.
    /// </summary>
    /// <returns>The number of participants the region was run with (1 when it ran on the calling thread);
    /// every participant index passed to the region is below it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative, or
    /// <paramref name="grain"/> or <paramref name="maxParticipants"/> is below 1.</exception>
    public static int Run<T, TRegion>(TRegion region, scoped in KernelSpans<T> spans, int count, int grain, int maxParticipants)
        where T : unmanaged
        where TRegion : struct, IKernelRegion<T>
    {
        int participants = PlannedParticipants(count, grain, maxParticipants);
        if (count == 0)
        {
            return 1;
        }

        fixed (T* r0 = spans.R0)
        fixed (T* r1 = spans.R1)
        fixed (T* r2 = spans.R2)
        fixed (T* r3 = spans.R3)
        fixed (T* r4 = spans.R4)
        fixed (T* r5 = spans.R5)
        fixed (T* w0 = spans.W0)
        fixed (T* w1 = spans.W1)
        fixed (T* w2 = spans.W2)
        fixed (T* w3 = spans.W3)
        fixed (T* w4 = spans.W4)
        fixed (T* w5 = spans.W5)
        {
            var pinned = new PinnedSpans<T>(spans, r0, r1, r2, r3, r4, r5, w0, w1, w2, w3, w4, w5);
            if (participants == 1 || !KernelWorkerPool.TryAcquire())
            {
                region.Execute(0, 0, count, pinned);
                return 1;
            }

            try
            {
                var job = KernelRegionJob<T, TRegion>.Instance;
                KernelWorkerPool.Run(job.Prepare(region, pinned, count, grain), participants);
                job.ThrowIfFailed();
            }
            finally
            {
                KernelWorkerPool.Release();
            }

            return participants;
        }
    }

    private static void Validate(int count, int grain, int maxParticipants)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(grain, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParticipants, 1);
    }
}
