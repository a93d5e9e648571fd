using System.Runtime.ExceptionServices;

namespace Peft.Kernels;

/// <summary>
/// One <see cref="KernelParallel"/> region on the worker pool: participants claim chunks of items
/// until none is left, and the caller waits until every chunk is done (the gate protocol is
/// <see cref="GatedParallelWork"/>'s). One instance per element type and region type, used only while
/// the pool is held.
/// </summary>
internal sealed class KernelRegionJob<T, TRegion> : GatedParallelWork
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
        Open();
        return this;
    }

    /// <summary>Rethrows the first exception a participant raised, on the calling thread.</summary>
    public void ThrowIfFailed()
    {
        var failure = _failure;
        _failure = null;
        failure?.Throw();
    }

    protected override void Work(int participant)
    {
        while (TryClaim(ref _nextChunk, _chunks, out int chunk))
        {
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

        if (participant == 0)
        {
            // The caller returns only when every chunk, including those workers still run, is done.
            WaitUntil(ref _chunksDone, _chunks, exact: true);
        }
    }
}
