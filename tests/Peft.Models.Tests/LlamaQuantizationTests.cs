using Peft.Quantization;

namespace Peft.Models.Tests;

/// <summary>QLoRA on the tiny Llama written by transformers: NF4 base, PEFT's LoRA adapter on top.</summary>
public sealed class LlamaQuantizationTests
{
    [Fact]
    public void A_quantized_base_keeps_the_head_and_stays_close_to_the_float_model()
    {
        var reference = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var quantized = model.QuantizeBase();

        // Seven projections per decoder layer; the head (tied or not) stays at full precision.
        Assert.Equal(7 * model.Config.NumHiddenLayers, quantized.Count);
        Assert.DoesNotContain(quantized, path => path.EndsWith("lm_head", StringComparison.Ordinal));

        var ids = Tensor<int>.Wrap([1, 5, 9, 33, 200, 17, 3, 4], 2, 4);
        var expected = reference.Forward(ids).Span.ToArray();
        var actual = model.Forward(ids).Span.ToArray();
        double error = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]));
            error += (expected[i] - actual[i]) * (double)(expected[i] - actual[i]);
            scale += expected[i] * (double)expected[i];
        }

        // 4-bit weights: the logits move by a few per cent of their norm, not more.
        Assert.InRange(Math.Sqrt(error / scale), 1e-6, 0.25);
    }

    [Fact]
    public void LoRA_trains_on_the_quantized_base_without_allocating()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.QuantizeBase();
        model.Apply(new AdapterConfig { TargetModules = ["q_proj", "v_proj"], Options = new LoRAOptions { Rank = 4 } });
        model.Train();
        var ids = Tensor<int>.Wrap([1, 5, 9, 33, 200, 17, 3, 4], 2, 4);
        var gradient = new Tensor<float>(2, 4, model.Config.VocabSize);
        gradient.Span.Fill(1e-3f);
        void Step()
        {
            model.Forward(ids);
            model.Backward(gradient);
        }

        Step();
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            Step();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var loraB = model.NamedParameters<float>().First(p => p.Key.Contains("lora_B", StringComparison.Ordinal)).Value;
        Assert.Contains(loraB.Gradient, g => g != 0f);
    }
}
