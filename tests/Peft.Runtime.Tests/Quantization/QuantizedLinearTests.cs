using Peft.Quantization;
using Peft.Tests.Testing;

namespace Peft.Tests.Quantization;

/// <summary>A Linear whose frozen base is NF4 (QLoRA) computes what a float Linear with the dequantized weight computes.</summary>
public sealed class QuantizedLinearTests
{
    private const int In = 300, Out = 500, Batch = 6;

    [Fact]
    public void Forward_and_input_gradient_equal_a_float_layer_holding_the_dequantized_weight()
    {
        // 500 rows × 300 columns: several dequantization passes, the last one partial.
        var (quantized, reference) = Pair(seed: 1);
        var x = NF4WeightTests.Normal(Batch * In, seed: 2, scale: 1);
        var dy = NF4WeightTests.Normal(Batch * Out, seed: 3, scale: 1);

        var y = new float[Batch * Out];
        var expectedY = new float[Batch * Out];
        quantized.Forward(x, y, Batch);
        reference.Forward(x, expectedY, Batch);
        AssertClose(expectedY, y, 1e-5f);

        var dx = new float[Batch * In];
        var expectedDx = new float[Batch * In];
        quantized.Backward(x, dy, dx, Batch);
        reference.Backward(x, dy, expectedDx, Batch);
        AssertClose(expectedDx, dx, 1e-5f);
    }

    [Fact]
    public void LoRA_on_a_quantized_base_trains_as_on_the_dequantized_float_base()
    {
        var (quantized, reference) = Pair(seed: 4);
        var options = new LoRAOptions { Rank = 4, Alpha = 8 };
        var onQuantized = quantized.AttachLoRA("default", options);
        var onReference = reference.AttachLoRA("default", options);
        Assert.Equal(onReference.A.Value, onQuantized.A.Value);

        var x = NF4WeightTests.Normal(Batch * In, seed: 5, scale: 1);
        var dy = NF4WeightTests.Normal(Batch * Out, seed: 6, scale: 1);
        var y = new float[Batch * Out];
        var dx = new float[Batch * In];
        for (int step = 0; step < 3; step++)
        {
            foreach (var (layer, lora) in new[] { (quantized, onQuantized), (reference, onReference) })
            {
                lora.A.ZeroGradient();
                lora.B.ZeroGradient();
                layer.Forward(x, y, Batch);
                layer.Backward(x, dy, dx, Batch);
                for (int i = 0; i < lora.B.Length; i++)
                {
                    lora.B.Value[i] -= 1e-3f * lora.B.Gradient[i];
                }

                for (int i = 0; i < lora.A.Length; i++)
                {
                    lora.A.Value[i] -= 1e-3f * lora.A.Gradient[i];
                }
            }
        }

        AssertClose(onReference.B.Value, onQuantized.B.Value, 1e-5f);
        AssertClose(onReference.A.Value, onQuantized.A.Value, 1e-5f);
        Assert.False(quantized.Weight.Trainable);
    }

    [Fact]
    public void Merging_dequantizes_and_keeps_the_adapted_output()
    {
        var (quantized, _) = Pair(seed: 7);
        var lora = quantized.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        Array.Fill(lora.B.Value, 0.01f);
        var x = NF4WeightTests.Normal(Batch * In, seed: 8, scale: 1);
        var adapted = new float[Batch * Out];
        quantized.Forward(x, adapted, Batch);

        quantized.Adapters.Merge();
        Assert.False(quantized.IsQuantized);
        var merged = new float[Batch * Out];
        quantized.Forward(x, merged, Batch);
        AssertClose(adapted, merged, 1e-5f);
        Assert.Throws<InvalidOperationException>(() => quantized.Quantize()); // merged: unmerge first
    }

    [Fact]
    public void The_released_weight_and_training_the_base_give_clear_errors()
    {
        var layer = new Linear(In, Out);
        layer.Quantize();
        var read = Assert.Throws<InvalidOperationException>(() => layer.Weight.Value);
        Assert.Contains("held as 4-bit NormalFloat by Linear [500, 300]", read.Message);
        var unfreeze = Assert.Throws<InvalidOperationException>(() => layer.IsFrozen = false);
        Assert.Contains("Dequantize()", unfreeze.Message);
        Assert.Throws<InvalidOperationException>(() => layer.Quantize());

        layer.Weight.Trainable = true; // around IsFrozen: the backward pass still refuses
        var x = new float[In];
        var dy = new float[Out];
        Assert.Throws<InvalidOperationException>(() => layer.Backward(x, dy, new float[In], 1));
    }

    [Fact]
    public void Dequantize_restores_a_trainable_float_weight()
    {
        var (quantized, reference) = Pair(seed: 9);
        quantized.Dequantize();
        Assert.Equal(reference.Weight.Value, quantized.Weight.Value);
        quantized.IsFrozen = false;
        Assert.True(quantized.Weight.Trainable);
    }

    [Fact]
    public void QuantizeBase_skips_the_head_and_tied_weights()
    {
        var model = new TiedModel();
        var quantized = model.QuantizeBase();
        Assert.Equal(["q_proj"], quantized);
        Assert.True(((Linear)model.FindModule("q_proj")!).IsQuantized);
        Assert.Equal(["lm_head"], model.QuantizeBase(new NF4Options { SkipModules = [] })); // q_proj already is
        model.DequantizeBase();
        Assert.False(((Linear)model.FindModule("lm_head")!).IsQuantized);
    }

    [Fact]
    public void Steady_state_steps_on_a_quantized_base_allocate_nothing()
    {
        var layer = new Linear(512, 1024);
        layer.Quantize();
        var lora = layer.AttachLoRA("default", new LoRAOptions { Rank = 8 });
        var x = new float[64 * 512];
        var y = new float[64 * 1024];
        var dy = new float[64 * 1024];
        var dx = new float[64 * 512];
        void Step()
        {
            lora.A.ZeroGradient();
            lora.B.ZeroGradient();
            layer.Forward(x, y, 64);
            layer.Backward(x, dy, dx, 64);
        }

        Assert.Equal(0, ThreadAllocations.CleanestWindow(Step, calls: 3));
    }

    /// <summary>An embedding table, two projections and a head tied to the table.</summary>
    private sealed class TiedModel : Module
    {
        public TiedModel()
        {
            var embedding = RegisterModule("embed_tokens", new Embedding<float>(50, 64));
            RegisterModule("q_proj", new Linear(64, 64));
            RegisterModule("lm_head", new Linear(64, 50));
            RegisterModule("tied_head", new Linear<float>(embedding.Weight));
        }
    }

    private static (Linear Quantized, Linear Reference) Pair(int seed)
    {
        var quantized = new Linear(In, Out, random: new Random(seed));
        quantized.Quantize();
        var reference = new Linear(In, Out, random: new Random(seed));
        quantized.QuantizedWeight!.Dequantize<float>(0, Out, reference.Weight.Value);
        reference.IsFrozen = true;
        return (quantized, reference);
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
