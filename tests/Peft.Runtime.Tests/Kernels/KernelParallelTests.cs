using Peft.Generated;
using Peft.Kernels;
using Peft.Tests.Testing;

namespace Peft.Tests.Kernels;

/// <summary>The region runner that parallel kernels (generated and runtime) are built on.</summary>
[Collection(nameof(GemmAllocationTests))]
public sealed class KernelParallelTests
{
    /// <summary>W0[i] += 1 for every item; W1[participant] counts the items each participant ran.</summary>
    private readonly struct CountItems : IKernelRegion<double>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<double> spans)
        {
            var marks = spans.W0;
            for (int i = start; i < end; i++)
            {
                marks[i] += 1;
            }

            spans.W1[participant] += end - start;
        }
    }

    /// <summary>Rows [start, end) of C = A·B, each chunk through its own (single-threaded) GEMM.</summary>
    private readonly struct RowBlockGemm(int n, int k) : IKernelRegion<float>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<float> spans)
        {
            int rows = end - start;
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, n, k,
                1f, spans.R0.Slice(start * k, rows * k), k, spans.R1, n, 0f, spans.W0.Slice(start * n, rows * n), n);
        }
    }

    /// <summary>Runs a nested region from inside a region: it must run inline (returning 1).</summary>
    private readonly struct Nested : IKernelRegion<double>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<double> spans)
        {
            var inner = new KernelSpans<double> { W0 = spans.W0.Slice(start, end - start), W1 = spans.W2 };
            int used = KernelParallel.Run(new CountItems(), inner, end - start, 1, KernelParallel.MaxParticipants);
            spans.W1[participant] = Math.Max(spans.W1[participant], used);
        }
    }

    /// <summary>A worker's chunk allocates an array; the caller's chunk waits (up to a second) for a worker to have run one.</summary>
    private readonly struct WorkerAllocates : IKernelRegion<double>
    {
        public static int WorkerChunks;
        public static object? Kept;

        public void Execute(int participant, int start, int end, in PinnedSpans<double> spans)
        {
            if (participant != 0)
            {
                Kept = new double[16];
                Interlocked.Increment(ref WorkerChunks);
                return;
            }

            SpinWait.SpinUntil(() => Volatile.Read(ref WorkerChunks) > 0, millisecondsTimeout: 1000);
        }
    }

    private readonly struct Throws : IKernelRegion<double>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<double> spans)
        {
            if (start <= 5 && 5 < end)
            {
                throw new InvalidOperationException("item 5 failed");
            }
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(1000, 1)]
    [InlineData(1000, 64)]
    [InlineData(1000, 5000)]
    public void Every_item_runs_exactly_once_on_a_participant_below_the_returned_count(int count, int grain)
    {
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var marks = new double[count];
            var perParticipant = new double[KernelParallel.MaxParticipants];
            int used = KernelParallel.Run(new CountItems(), new KernelSpans<double> { W0 = marks, W1 = perParticipant }, count, grain, 64);

            Assert.All(marks, m => Assert.Equal(1, m));
            Assert.InRange(used, 1, KernelParallel.PlannedParticipants(count, grain, 64));
            Assert.Equal(count, perParticipant.AsSpan(0, used).ToArray().Sum());
            Assert.All(perParticipant.AsSpan(used).ToArray(), p => Assert.Equal(0, p));
        }
    }

    [Fact]
    public void Planned_participants_are_capped_by_chunks_the_pool_and_the_caller()
    {
        Assert.Equal(1, KernelParallel.PlannedParticipants(0, 4, 8));
        Assert.Equal(1, KernelParallel.PlannedParticipants(4, 4, 8));
        Assert.Equal(1, KernelParallel.PlannedParticipants(1000, 1, 1));
        Assert.Equal(Math.Min(2, KernelParallel.MaxParticipants), KernelParallel.PlannedParticipants(5, 4, 8));
        Assert.Equal(KernelParallel.MaxParticipants, KernelParallel.PlannedParticipants(1 << 20, 1, 1024));
    }

    [Fact]
    public void Gemm_called_inside_a_region_is_correct()
    {
        const int M = 301, N = 67, K = 129;
        var random = new Random(3);
        var a = Enumerable.Range(0, M * K).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, K * N).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var expected = new float[M * N];
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, M, N, K, 1f, a, b, 0f, expected);

        var actual = new float[M * N];
        KernelParallel.Run(new RowBlockGemm(N, K), new KernelSpans<float> { R0 = a, R1 = b, W0 = actual }, M, 16, 64);

        // Same blocking per row whatever the row count, so the results agree to the last bit.
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_region_started_inside_a_region_runs_on_the_calling_participant()
    {
        const int Count = 64;
        var marks = new double[Count];
        var used = new double[KernelParallel.MaxParticipants];
        var scratch = new double[KernelParallel.MaxParticipants];
        KernelParallel.Run(new Nested(), new KernelSpans<double> { W0 = marks, W1 = used, W2 = scratch }, Count, 4, 64);

        Assert.All(marks, m => Assert.Equal(1, m));
        Assert.All(used, u => Assert.True(u <= 1));
    }

    [Fact]
    public void An_exception_in_a_participant_reaches_the_caller_and_the_pool_stays_usable()
    {
        var error = Assert.Throws<InvalidOperationException>(
            () => KernelParallel.Run(new Throws(), default(KernelSpans<double>), 100, 1, 64));
        Assert.Equal("item 5 failed", error.Message);

        var marks = new double[100];
        var perParticipant = new double[KernelParallel.MaxParticipants];
        KernelParallel.Run(new CountItems(), new KernelSpans<double> { W0 = marks, W1 = perParticipant }, 100, 1, 64);
        Assert.All(marks, m => Assert.Equal(1, m));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelParallel.Run(new CountItems(), default(KernelSpans<double>), -1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelParallel.Run(new CountItems(), default(KernelSpans<double>), 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelParallel.Run(new CountItems(), default(KernelSpans<double>), 1, 1, 0));
    }

    [Fact]
    public void Steady_state_regions_allocate_nothing()
    {
        var marks = new double[4096];
        var perParticipant = new double[KernelParallel.MaxParticipants];
        int calls = 0;
        void Run()
        {
            KernelParallel.Run(new CountItems(), new KernelSpans<double> { W0 = marks, W1 = perParticipant }, marks.Length, 64, 64);
            calls++;
        }

        for (int i = 0; i < 5; i++)
        {
            Run();
        }

        Assert.Equal(0, ThreadAllocations.CleanestWindow(Run, calls: 10));
        Assert.All(marks, m => Assert.Equal(calls, m));
    }

    [Fact]
    public void The_allocation_check_sees_what_a_worker_thread_allocates()
    {
        if (KernelParallel.MaxParticipants < 2)
        {
            return; // one logical processor: there is no worker thread to watch
        }

        var spans = new KernelSpans<double>();
        long allocated = 0;
        for (int attempt = 0; attempt < 20 && allocated == 0; attempt++)
        {
            WorkerAllocates.WorkerChunks = 0;
            long before = ThreadAllocations.Allocated();
            KernelParallel.Run(new WorkerAllocates(), spans, 2, 1, 2);
            allocated = WorkerAllocates.WorkerChunks > 0
                ? ThreadAllocations.Allocated() - before
                : 0;
        }

        Assert.True(allocated >= 16 * sizeof(double), $"a worker's 16-double array was not counted ({allocated} bytes)");
    }
}
