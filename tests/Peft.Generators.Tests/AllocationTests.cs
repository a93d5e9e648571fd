using Peft.Generators.Tests.Models;
using Peft.Tests.Testing;

namespace Peft.Generators.Tests;

/// <summary>Training steps through the generated kernels allocate nothing once the scratch buffers exist.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void SteadyStateStepsWithGeneratedKernelsAllocateNothing()
    {
        var model = new LoRAPlusEqualityModel();
        model.AttachAdapters();
        Action step = WarmStep(model.CreateOptimizer(1e-3), model.Hidden, batch: 7);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>A training step of <paramref name="layer"/> (forward, backward with dX, optimizer step), run three times.</summary>
    internal static Action WarmStep(Optimizer optimizer, Linear<float> layer, int batch)
    {
        var x = new float[batch * layer.InFeatures];
        var y = new float[batch * layer.OutFeatures];
        var dy = new float[batch * layer.OutFeatures];
        var dx = new float[batch * layer.InFeatures];
        Array.Fill(x, 0.5f);
        Array.Fill(dy, 0.25f);

        void Step()
        {
            optimizer.ZeroGradients();
            layer.Forward(x, y, batch);
            layer.Backward(x, dy, dx, batch);
            optimizer.Step();
        }

        for (int i = 0; i < 3; i++)
        {
            Step();
        }

        return Step;
    }
}

/// <summary>Process-wide allocation counts see every test running beside them: this collection runs alone.</summary>
[CollectionDefinition(nameof(ParallelAllocationTests), DisableParallelization = true)]
public sealed class ParallelAllocationCollection;

/// <summary>Parallel steps through the generated kernels allocate nothing, on the calling thread or the worker.</summary>
[Collection(nameof(ParallelAllocationTests))]
public sealed class ParallelAllocationTests
{
    /// <summary>
    /// Steady-state steps above the parallel threshold, counted process-wide so that the worker thread is seen too
    /// (the cleanest of ten windows: the test runner's own threads allocate now and then).
    /// </summary>
    [Fact]
    public void SteadyStateParallelStepsAllocateNothingOnAnyThread()
    {
        var model = new ParallelEqualityModel();
        model.AttachAdapters();
        Action step = AllocationTests.WarmStep(model.CreateOptimizer(1e-3), model.Tall, batch: 203);

        Assert.Equal(0, ThreadAllocations.CleanestWindow(step, calls: 3));
    }
}
