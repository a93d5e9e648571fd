using Peft.Generators.Tests.Models;

namespace Peft.Generators.Tests;

/// <summary>Training steps through the generated kernels allocate nothing once the scratch buffers exist.</summary>
public sealed class AllocationTests
{
    [Fact]
    public void SteadyStateStepsWithGeneratedKernelsAllocateNothing()
    {
        var model = new LoRAPlusEqualityModel();
        model.AttachAdapters();
        var optimizer = model.CreateOptimizer(1e-3);
        var layer = model.Hidden;
        const int batch = 7;
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

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
