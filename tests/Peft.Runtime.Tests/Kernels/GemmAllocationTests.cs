using Peft.Kernels;
using Peft.Tests.Testing;

namespace Peft.Tests.Kernels;

/// <summary>Runs alone: it measures allocations of the whole process, worker threads included.</summary>
[CollectionDefinition(nameof(GemmAllocationTests), DisableParallelization = true)]
public sealed class GemmAllocationCollection;

[Collection(nameof(GemmAllocationTests))]
public sealed class GemmAllocationTests
{
    [Theory]
    [InlineData(24, 40, 56, 1)]
    [InlineData(200, 260, 300, 2)]
    public void Steady_state_calls_allocate_nothing(int m, int n, int k, int threads)
    {
        var a = new float[m * k];
        var b = new float[n * k];
        var c = new float[m * n];
        a.AsSpan().Fill(0.5f);
        b.AsSpan().Fill(0.25f);
        void Run() => Gemm.Multiply(
            MatrixTranspose.None, MatrixTranspose.Transpose, m, n, k, 1f, a, k, b, k, 0f, c, n, GemmIsaDetection.Best, threads);

        // Warm-up: JIT, per-thread packing buffers, worker threads.
        for (int i = 0; i < 3; i++)
        {
            Run();
        }

        long thread = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - thread);

        // The process-wide count also sees the worker threads.
        Assert.Equal(0, ThreadAllocations.CleanestWindow(Run, calls: 5));
        Assert.Equal(0.5f * 0.25f * k, c[^1]);
    }
}
