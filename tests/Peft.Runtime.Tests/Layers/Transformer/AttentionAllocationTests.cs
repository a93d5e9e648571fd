using Peft.Tests.Kernels;
using Peft.Tests.Testing;

namespace Peft.Tests.Layers.Transformer;

/// <summary>Process-wide allocation checks (the attention runs on the worker pool), in the collection that runs alone.</summary>
[Collection(nameof(GemmAllocationTests))]
public sealed class AttentionAllocationTests
{
    [Fact]
    public void Forward_and_backward_allocate_nothing_in_steady_state()
    {
        var attention = new CausalSelfAttention<float>(8, 4, 16, new RotaryEmbedding(16, 10000));
        Tensor<float> q = new(2, 40, 128), k = new(2, 40, 64), v = new(2, 40, 64);
        Tensor<float> dy = new(2, 40, 128), dq = new(2, 40, 128), dk = new(2, 40, 64), dv = new(2, 40, 64);
        var mask = new AttentionMask(Tensor<int>.Wrap(Enumerable.Repeat(1, 80).ToArray(), 2, 40));
        void Step()
        {
            attention.Forward(q, k, v, mask);
            attention.Backward(dy, dq, dk, dv);
        }

        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, ThreadAllocations.CleanestWindow(Step, calls: 3, windows: 20)); // the worker threads too

    }
}
