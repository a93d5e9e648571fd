namespace Peft.Kernels;

/// <summary>
/// A small persistent pool of background threads for large GEMMs. The caller is participant 0 and
/// workers 1..n−1 are woken per region; nothing is allocated per call once the workers exist. One
/// region runs at a time: a caller that finds the pool busy runs its GEMM on its own thread instead.
/// A worker may wake after its region is over; the work object's own gate turns it away.
/// </summary>
internal static class GemmWorkerPool
{
    private static readonly Lock Gate = new();
    private static ManualResetEventSlim[]? s_start;
    private static IGemmParallelWork? s_work;

    /// <summary>The most participants a region can have: one per logical processor.</summary>
    public static int MaxThreads { get; } = Math.Clamp(Environment.ProcessorCount, 1, 64);

    // Initialised after MaxThreads (static initialisers run in textual order).
    private static readonly long[] s_workerAllocatedBytes = new long[MaxThreads];

    /// <summary>
    /// Takes the pool if it is free; pair with <see cref="Release"/>. A thread that already holds it (a
    /// GEMM or kernel region called from inside a region) is refused, so nested work runs on its thread.
    /// </summary>
    public static bool TryAcquire() => !Gate.IsHeldByCurrentThread && Gate.TryEnter();

    /// <summary>Gives the pool back.</summary>
    public static void Release() => Gate.Exit();

    /// <summary>
    /// Runs <paramref name="work"/> on <paramref name="threadCount"/> participants (this thread included)
    /// and returns when the work is done; the work must not let workers touch the operands after its
    /// <see cref="IGemmParallelWork.Execute"/> returns on this thread.
    /// </summary>
    public static void Run(IGemmParallelWork work, int threadCount)
    {
        ManualResetEventSlim[] start = s_start ??= StartWorkers();
        s_work = work;
        for (int i = 1; i < threadCount; i++)
        {
            start[i - 1].Set();
        }

        work.Execute(0);
        s_work = null;
    }

    private static ManualResetEventSlim[] StartWorkers()
    {
        var start = new ManualResetEventSlim[MaxThreads - 1];
        for (int i = 0; i < start.Length; i++)
        {
            start[i] = new ManualResetEventSlim(false);
            int index = i + 1;
            var thread = new Thread(() => WorkerLoop(start[index - 1], index))
            {
                IsBackground = true,
                Name = $"Peft GEMM worker {index}",
            };
            thread.Start();
        }

        return start;
    }

    /// <summary>
    /// The bytes the pool's worker threads have allocated over their lifetime, as each last recorded it when it
    /// left a region. Allocation checks add this to the calling thread's own count: exact, and blind to
    /// unrelated threads of the process (a test runner's reporting, for one).
    /// </summary>
    internal static long WorkerAllocatedBytes
    {
        get
        {
            long total = 0;
            for (int i = 1; i < s_workerAllocatedBytes.Length; i++)
            {
                total += Volatile.Read(ref s_workerAllocatedBytes[i]);
            }

            return total;
        }
    }

    /// <summary>Worker <paramref name="index"/> records its thread's allocation count; called before it leaves a region.</summary>
    internal static void RecordWorkerAllocations(int index) =>
        Volatile.Write(ref s_workerAllocatedBytes[index], GC.GetAllocatedBytesForCurrentThread());

    private static void WorkerLoop(ManualResetEventSlim start, int index)
    {
        while (true)
        {
            start.Wait();
            start.Reset();
            s_work?.Execute(index);
        }
    }
}
