using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Adapters;

public sealed class LoRAAdapterTests
{
    private const int Batch = 3;
    private const int In = 7;
    private const int Out = 5;

    [Theory]
    [InlineData(false, 2, 6.0, 3.0)]        // s = α/r = 6/2
    [InlineData(true, 4, 6.0, 3.0)]         // s = α/√r = 6/2
    public void Scale_is_alpha_over_rank_or_over_root_rank(bool rsLoRA, int rank, double alpha, double expected)
    {
        var layer = new Linear<double>(In, Out);
        var lora = layer.AttachLoRA("default", new LoRAOptions { Rank = rank, Alpha = alpha, UseRsLoRA = rsLoRA });
        Assert.Equal(expected, lora.Scale);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_is_base_plus_scaled_low_rank_product(bool rsLoRA)
    {
        var (layer, lora) = Create(new LoRAOptions { Rank = 3, Alpha = 5, UseRsLoRA = rsLoRA });
        var x = Random(Batch * In, 10);
        var expected = Dense(x, layer.Weight.Value, layer.Bias!.Value, Batch, In, Out);

        // + s·B·(A·x), written out element by element.
        for (int b = 0; b < Batch; b++)
        {
            for (int o = 0; o < Out; o++)
            {
                for (int k = 0; k < 3; k++)
                {
                    double ax = 0;
                    for (int i = 0; i < In; i++)
                    {
                        ax += lora.A.Value[k * In + i] * x[b * In + i];
                    }

                    expected[b * Out + o] += lora.Scale * lora.B.Value[o * 3 + k] * ax;
                }
            }
        }

        AssertClose(expected, Forward(layer, x, Batch), 1e-13);
    }

    [Fact]
    public void New_adapter_is_a_no_op_because_B_starts_at_zero()
    {
        var layer = new Linear<double>(In, Out);
        var x = Random(Batch * In, 4);
        var before = Forward(layer, x, Batch);
        var lora = layer.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        Assert.All(lora.B.Value, v => Assert.Equal(0.0, v));
        Assert.Equal(before, Forward(layer, x, Batch));
    }

    [Fact]
    public void Kaiming_uniform_init_is_bounded_by_one_over_root_fan_in()
    {
        // PyTorch kaiming_uniform_(a=√5): gain √(2/(1+5)), bound gain·√(3/fan_in) = 1/√fan_in.
        var layer = new Linear<double>(400, 16);
        var lora = layer.AttachLoRA("default", new LoRAOptions { Rank = 16 });
        double bound = 1.0 / Math.Sqrt(400);
        Assert.All(lora.A.Value, v => Assert.InRange(Math.Abs(v), 0.0, bound));
        Assert.InRange(lora.A.Value.Max(), 0.95 * bound, bound);
        Assert.InRange(lora.A.Value.Min(), -bound, -0.95 * bound);
    }

    [Fact]
    public void Gaussian_init_has_standard_deviation_one_over_rank()
    {
        var layer = new Linear<double>(4096, 8);
        var lora = layer.AttachLoRA("default", new LoRAOptions { Rank = 8, Init = LoRAInit.Gaussian, Seed = 3 });
        double mean = lora.A.Value.Average();
        double std = Math.Sqrt(lora.A.Value.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(std, 0.125 * 0.97, 0.125 * 1.03);
    }

    [Fact]
    public void Same_seed_gives_the_same_adapter()
    {
        var first = new Linear<double>(In, Out).AttachLoRA("default", new LoRAOptions { Rank = 2, Seed = 42 });
        var second = new Linear<double>(In, Out).AttachLoRA("default", new LoRAOptions { Rank = 2, Seed = 42 });
        var third = new Linear<double>(In, Out).AttachLoRA("default", new LoRAOptions { Rank = 2, Seed = 43 });
        Assert.Equal(first.A.Value, second.A.Value);
        Assert.NotEqual(first.A.Value, third.A.Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Merged_forward_equals_adapter_forward_and_unmerge_restores(bool rsLoRA)
    {
        var (layer, lora) = Create(new LoRAOptions { Rank = 3, Alpha = 7, UseRsLoRA = rsLoRA });
        var original = (double[])layer.Weight.Value.Clone();
        var x = Random(Batch * In, 11);
        var adapted = Forward(layer, x, Batch);

        layer.Adapters.Merge();
        Assert.True(lora.IsMerged);
        AssertClose(adapted, Forward(layer, x, Batch), 1e-13);

        // W = W0 + s·B·A, element by element.
        for (int o = 0; o < Out; o++)
        {
            for (int i = 0; i < In; i++)
            {
                double delta = 0;
                for (int k = 0; k < 3; k++)
                {
                    delta += lora.B.Value[o * 3 + k] * lora.A.Value[k * In + i];
                }

                Assert.Equal(original[o * In + i] + lora.Scale * delta, layer.Weight.Value[o * In + i], 1e-14);
            }
        }

        layer.Adapters.Unmerge();
        Assert.False(lora.IsMerged);
        AssertClose(original, layer.Weight.Value, 1e-15);
        AssertClose(adapted, Forward(layer, x, Batch), 1e-13);
    }

    [Fact]
    public void Backward_while_merged_is_refused()
    {
        var (layer, _) = Create(new LoRAOptions { Rank = 2 });
        var x = Random(Batch * In, 1);
        layer.Adapters.Merge();
        var y = Forward(layer, x, Batch);
        var ex = Assert.Throws<InvalidOperationException>(() => layer.Backward(x, y, new double[Batch * In], Batch));
        Assert.Contains("unmerge", ex.Message);
    }

    [Fact]
    public void Parameter_count_and_layout_follow_the_frozen_state_of_the_base()
    {
        var layer = new Linear<double>(In, Out);
        var lora = layer.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        Assert.Equal(2 * In + Out * 2, lora.ParameterCount);

        var trainable = new Linear<double>(In, Out).AttachLoRA("default", new LoRAOptions { Rank = 2, FreezeBase = false });
        Assert.Equal(Out * In + Out + 2 * In + Out * 2, trainable.ParameterCount);
        Fill(trainable.B, 5);
        var values = new double[trainable.ParameterCount];
        trainable.CopyParametersTo(values);
        Assert.Equal(trainable.Layer.Weight.Value, values[..(Out * In)]);
        Assert.Equal(trainable.Layer.Bias!.Value, values[(Out * In)..(Out * In + Out)]);
        Assert.Equal(trainable.A.Value, values[(Out * In + Out)..(Out * In + Out + 2 * In)]);
        Assert.Equal(trainable.B.Value, values[(Out * In + Out + 2 * In)..]);

        var changed = values.Select(v => v + 1.0).ToArray();
        trainable.SetParameters(changed);
        var roundTrip = new double[changed.Length];
        trainable.CopyParametersTo(roundTrip);
        Assert.Equal(changed, roundTrip);
    }

    [Fact]
    public void Dropout_masks_the_adapter_input_reuses_the_mask_in_backward_and_is_off_in_eval()
    {
        var (layer, lora) = Create(new LoRAOptions { Rank = 2, Alpha = 2, Dropout = 0.5, Seed = 9 });
        const int batch = 40;
        var x = Random(batch * In, 12);
        var y = Forward(layer, x, batch);
        var mask = lora.LastDropoutMask.ToArray();
        Assert.All(mask, m => Assert.True(m == 0.0 || m == 2.0, $"mask value {m}"));
        Assert.InRange(mask.Count(m => m == 0.0) / (double)mask.Length, 0.4, 0.6);

        // The forward used x̃ = x ⊙ mask on the adapter path only.
        var dropped = x.Zip(mask, (a, m) => a * m).ToArray();
        var expected = Dense(x, layer.Weight.Value, layer.Bias!.Value, batch, In, Out);
        var delta = new double[Out * In];
        lora.ComputeDeltaWeight(delta);
        var adapterPart = Dense(dropped, delta, null, batch, In, Out);
        AssertClose(expected.Zip(adapterPart, (a, b) => a + b).ToArray(), y, 1e-13);

        // Backward: dA uses x̃; the adapter's dX is masked: dX = dY·W0 + mask ⊙ (dY·ΔW).
        var dy = Random(batch * Out, 13);
        var dx = new double[batch * In];
        layer.Backward(x, dy, dx, batch);
        var expectedDx = new double[batch * In];
        for (int b = 0; b < batch; b++)
        {
            for (int i = 0; i < In; i++)
            {
                double viaBase = 0, viaAdapter = 0;
                for (int o = 0; o < Out; o++)
                {
                    viaBase += dy[b * Out + o] * layer.Weight.Value[o * In + i];
                    viaAdapter += dy[b * Out + o] * delta[o * In + i];
                }

                expectedDx[b * In + i] = viaBase + mask[b * In + i] * viaAdapter;
            }
        }

        AssertClose(expectedDx, dx, 1e-13);

        // Same seed, same masks; evaluation mode switches dropout off.
        var (twin, _) = Create(new LoRAOptions { Rank = 2, Alpha = 2, Dropout = 0.5, Seed = 9 });
        Assert.Equal(y, Forward(twin, x, batch));
        layer.Eval();
        var noDropout = expected.Zip(Dense(x, delta, null, batch, In, Out), (a, b) => a + b).ToArray();
        AssertClose(noDropout, Forward(layer, x, batch), 1e-13);
    }

    /// <summary>A layer with a LoRA adapter whose B is non-zero, so the adapter path is visible.</summary>
    private static (Linear<double> Layer, LoRAAdapter<double> Adapter) Create(LoRAOptions options)
    {
        var layer = new Linear<double>(In, Out, random: new Random(5));
        var lora = layer.AttachLoRA("default", options);
        Fill(lora.B, 6);
        return (layer, lora);
    }
}
