using Peft.IO;

namespace Peft.Models.Tests;

/// <summary>Steady-state training steps and generation steps allocate nothing: the buffers belong to the modules.</summary>
public sealed class LlamaAllocationTests
{
    [Fact]
    public void ForwardAndBackwardWithLoRAAllocateNothingOnceWarm()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.LoadAdapter(Fixtures.TinyLlamaLoRA, isTrainable: true);
        model.Train();
        var ids = Tensor<int>.Wrap([1, 5, 9, 33, 200, 17, 3, 4], 2, 4);
        var gradient = new Tensor<float>(2, 4, 256);
        gradient.Span.Fill(1e-3f);
        void Step()
        {
            model.Forward(ids);
            model.Backward(gradient);
        }

        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void RepeatedCachedDecodingAllocatesNothing()
    {
        // Attention buffers grow with the cached length (never shrink): a first generation of the full length
        // sizes them; a second one of the same length, after Reset, allocates nothing.
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var cache = model.CreateCache(1, 16);
        var prompt = Tensor<int>.Wrap([1, 5, 9], 1, 3);
        var next = Tensor<int>.Wrap([7], 1, 1);
        void Decode()
        {
            cache.Reset();
            model.Forward(prompt, cache: cache);
            while (cache.Length < 16)
            {
                model.Forward(next, cache: cache);
            }
        }

        Decode();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Decode();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
