using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// Deep, narrow products (few rows and columns of C, long k: <c>dA = s·gᵀ·x</c> of a narrow layer over a long batch, an
/// r̂×r̂ gradient over many rows) split k instead of C: chunk c of the depth computes its own partial
/// <c>P_c = op(A)[:, chunk c]·op(B)[chunk c, :]</c>, and <c>C = alpha·(((P_0 + P_1) + P_2) + …) + beta·C</c>, summed in chunk
/// order. The chunks follow from the shape alone, so results are bit-identical on any number of threads (one thread, a
/// busy pool or a call from inside a region computes the same chunks one after another). Splitting C instead left such
/// products on one thread: every item would stream all of packed A for one narrow panel (see <see cref="GemmDriver{T, TKernel}"/>).
/// </summary>
/// <remarks>The claiming and gate protocol is <see cref="GatedParallelWork"/>'s; one instance per element type and kernel.</remarks>
internal sealed unsafe class GemmDepthSplit<T, TKernel> : GatedParallelWork
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>k at least this many times the larger of m and n: the product is deep.</summary>
    private const int DepthRatio = 8;

    /// <summary>At most this many elements of C (the partials are chunks·m·n).</summary>
    private const int MaxOutputElements = 256 * 256;

    /// <summary>At most this many chunks.</summary>
    private const int MaxChunks = 8;

    private static readonly GemmDepthSplit<T, TKernel> Job = new();

    [ThreadStatic]
    private static T[]? t_partials;

    private GemmOperands<T> _op;
    private T* _partials;
    private int _chunks;
    private int _chunkDepth;
    private int _nextChunk;
    private int _chunksDone;

    /// <summary>
    /// Whether <paramref name="op"/> is deep and narrow enough to split k, from its shape only (never the thread count):
    /// both sides of C are small, and k is many times the larger one and spans at least two chunks of 2·Kc.
    /// </summary>
    public static bool Applies(in GemmOperands<T> op) =>
        (long)op.M * op.N <= MaxOutputElements
        && op.K >= DepthRatio * (long)Math.Max(op.M, op.N)
        && op.K >= 4 * GemmBlocking<T, TKernel>.Kc;

    /// <summary>Computes <c>C = alpha·op(A)·op(B) + beta·C</c> by depth chunks on up to <paramref name="threads"/> threads.</summary>
    public static void Run(in GemmOperands<T> op, int threads)
    {
        // Chunks of a whole number of rank-Kc steps, at least 2·Kc deep (packing stays amortized), at most MaxChunks.
        int kc = GemmBlocking<T, TKernel>.Kc;
        int steps = (op.K + kc - 1) / kc;
        int chunks = Math.Clamp(steps / 2, 2, MaxChunks);
        int chunkDepth = (steps + chunks - 1) / chunks * kc;
        chunks = (op.K + chunkDepth - 1) / chunkDepth;

        int length = op.M * op.N;
        var partials = t_partials;
        if (partials is null || partials.Length < chunks * length)
        {
            t_partials = partials = GC.AllocateUninitializedArray<T>(MaxChunks * MaxOutputElements, pinned: true);
        }

        fixed (T* p = partials)
        {
            if (threads > 1 && KernelWorkerPool.TryAcquire())
            {
                try
                {
                    KernelWorkerPool.Run(Job.Prepare(op, p, chunks, chunkDepth), Math.Min(threads, chunks));
                }
                finally
                {
                    KernelWorkerPool.Release();
                }
            }
            else
            {
                // One thread (or the pool is busy): the same chunks, one after another (the shared job is not touched).
                for (int chunk = 0; chunk < chunks; chunk++)
                {
                    Compute(op, p, chunk, chunkDepth);
                }
            }

            Reduce(op, p, chunks);
        }
    }

    /// <summary>Loads a split and opens the gate; only while the worker pool is held.</summary>
    private GemmDepthSplit<T, TKernel> Prepare(in GemmOperands<T> op, T* partials, int chunks, int chunkDepth)
    {
        _op = op;
        _partials = partials;
        _chunks = chunks;
        _chunkDepth = chunkDepth;
        _nextChunk = 0;
        _chunksDone = 0;
        Open();
        return this;
    }

    protected override void Work(int participant)
    {
        while (TryClaim(ref _nextChunk, _chunks, out int chunk))
        {
            Compute(_op, _partials, chunk, _chunkDepth);
            Interlocked.Increment(ref _chunksDone);
        }

        // Only the caller waits for the chunks other participants still hold; it then reduces them.
        if (participant == 0)
        {
            WaitUntil(ref _chunksDone, _chunks, exact: false);
        }
    }

    /// <summary><c>P_chunk[m×n] = op(A)[:, pc..pc+depth)·op(B)[pc..pc+depth, :]</c>, dense (row stride n), on this thread.</summary>
    private static void Compute(in GemmOperands<T> op, T* partials, int chunk, int chunkDepth)
    {
        int pc = chunk * chunkDepth;
        var part = op;
        part.A = op.TransA ? op.A + (pc * op.Lda) : op.A + pc;
        part.B = op.TransB ? op.B + pc : op.B + (pc * op.Ldb);
        part.K = Math.Min(chunkDepth, op.K - pc);
        part.C = partials + ((nint)chunk * op.M * op.N);
        part.Ldc = op.N;
        part.Alpha = T.One;
        part.Beta = T.Zero;
        GemmDriver<T, TKernel>.RunSequential(part);
    }

    /// <summary><c>C[i, j] = alpha·(Σ_c P_c[i, j] in chunk order) + beta·C[i, j]</c> (beta = 0 ignores C, as BLAS).</summary>
    private static void Reduce(in GemmOperands<T> op, T* partials, int chunks)
    {
        int length = op.M * op.N;
        for (int c = 1; c < chunks; c++)
        {
            var sum = new Span<T>(partials, length);
            System.Numerics.Tensors.TensorPrimitives.Add(sum, new ReadOnlySpan<T>(partials + ((nint)c * length), length), sum);
        }

        for (int i = 0; i < op.M; i++)
        {
            var sum = new ReadOnlySpan<T>(partials + ((nint)i * op.N), op.N);
            var row = new Span<T>(op.C + (i * op.Ldc), op.N);
            for (int j = 0; j < row.Length; j++)
            {
                row[j] = T.IsZero(op.Beta) ? op.Alpha * sum[j] : op.Alpha * sum[j] + op.Beta * row[j];
            }
        }
    }
}
