using System.Runtime.ExceptionServices;

namespace Peft.Kernels;

/// <summary>
/// One <see cref="KernelParallel"/> region on the worker pool: participants claim chunks of items
/// until none is left; the caller waits until every chunk is done, then shuts the gate and waits until
/// no worker is still inside (the same protocol as <see cref="GemmParallelJob{T, TKernel}"/>). One
/// instance per element type and region type, used only while the pool is held.
/// </summary>
internal sealed class KernelRegionJob<T, TRegion> : IGemmParallelWork
    where T : unmanaged
    where TRegion : struct, IKernelRegion<T>
{
    public static readonly KernelRegionJob<T, TRegion> Instance = new();

    private TRegion _region;
    private PinnedSpans<T> _spans;
    private int _count;
    private int _grain;
    private int _chunks;
    private int _nextChunk;
    private int _chunksDone;
    private int _closed = 1;
    private int _inside;
    private ExceptionDispatchInfo? _failure;

    public KernelRegionJob<T, TRegion> Prepare(TRegion region, in PinnedSpans<T> spans, int count, int grain)
    {
        _region = region;
        _spans = spans;
        _count = count;
        _grain = grain;
        _chunks = (int)(((long)count + grain - 1) / grain);
        _nextChunk = 0;
        _chunksDone = 0;
        _failure = null;
        Volatile.Write(ref _closed, 0);
        return this;
    }

    public void Execute(int thread)
    {
        if (thread == 0)
        {
            Work(0);
            SpinUntil(ref _chunksDone, _chunks);
            Interlocked.Exchange(ref _closed, 1);
            SpinUntil(ref _inside, 0);
            return;
        }

        Interlocked.Increment(ref _inside);
        if (Volatile.Read(ref _closed) == 0)
        {
            Work(thread);
        }

        Interlocked.Decrement(ref _inside);
    }

    /// <summary>Rethrows the first exception a participant raised, on the calling thread.</summary>
    public void ThrowIfFailed()
    {
        var failure = _failure;
        _failure = null;
        failure?.Throw();
    }

    private void Work(int participant)
    {
        while (true)
        {
            int chunk = Interlocked.Increment(ref _nextChunk) - 1;
            if (chunk >= _chunks)
            {
                return;
            }

            try
            {
                int start = chunk * _grain;
                _region.Execute(participant, start, Math.Min(_count, start + _grain), _spans);
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(exception), null);
            }
            finally
            {
                Interlocked.Increment(ref _chunksDone);
            }
        }
    }

    private static void SpinUntil(ref int counter, int target)
    {
        SpinWait spinner = default;
        while (Volatile.Read(ref counter) != target)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }
}
