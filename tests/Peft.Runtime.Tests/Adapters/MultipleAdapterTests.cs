using static Peft.Tests.Adapters.AdapterTestData;

namespace Peft.Tests.Adapters;

public sealed class MultipleAdapterTests
{
    private const int In = 6;
    private const int Out = 4;

    [Fact]
    public void First_adapter_is_active_and_only_the_active_one_trains()
    {
        var layer = new Linear<double>(In, Out);
        var first = layer.AttachLoRA("first", new LoRAOptions { Rank = 2 });
        var second = layer.AttachMoRA("second", new MoRAOptions { Rank = 1 });
        Assert.Same(first, layer.Adapters.Active);
        Assert.True(first.A.Trainable);
        Assert.False(second.M.Trainable);

        layer.Adapters.SetActive("second");
        Assert.Same(second, layer.Adapters.Active);
        Assert.False(first.A.Trainable);
        Assert.False(first.B.Trainable);
        Assert.True(second.M.Trainable);
        Assert.Equal(["weight", "bias", "first.lora_A", "first.lora_B", "second.lora_A"], layer.NamedParameters().Select(p => p.Key));
    }

    [Fact]
    public void Active_adapter_decides_the_output_and_a_disable_scope_removes_it()
    {
        var layer = new Linear<double>(In, Out);
        var x = Random(2 * In, 1);
        var baseOutput = Forward(layer, x, 2);
        var first = layer.AttachLoRA("first", new LoRAOptions { Rank = 2 });
        var second = layer.AttachLoRA("second", new LoRAOptions { Rank = 3, Seed = 1 });
        Fill(first.B, 2);
        Fill(second.B, 3);
        var withFirst = Forward(layer, x, 2);
        layer.Adapters.SetActive("second");
        var withSecond = Forward(layer, x, 2);
        Assert.NotEqual(withFirst, withSecond);

        using (layer.Adapters.Disable())
        {
            Assert.True(layer.Adapters.IsDisabled);
            Assert.Equal(baseOutput, Forward(layer, x, 2));
            var dx = new double[2 * In];
            layer.Backward(x, Random(2 * Out, 4), dx, 2);
            Assert.All(second.B.Gradient, g => Assert.Equal(0.0, g));
        }

        Assert.False(layer.Adapters.IsDisabled);
        Assert.Equal(withSecond, Forward(layer, x, 2));
    }

    [Fact]
    public void Deleting_removes_the_module_and_parameters_and_activates_another()
    {
        var layer = new Linear<double>(In, Out);
        layer.AttachLoRA("first", new LoRAOptions { Rank = 2 });
        var second = layer.AttachLoRA("second", new LoRAOptions { Rank = 2 });
        Fill(layer.Adapters["first"].AdapterParameters[1], 1);
        var original = (double[])layer.Weight.Value.Clone();
        layer.Adapters.Merge();
        Assert.True(layer.Adapters.Remove("first"));
        Assert.False(layer.Adapters.Remove("first"));
        AssertClose(original, layer.Weight.Value, 1e-15);
        Assert.Same(second, layer.Adapters.Active);
        Assert.True(second.A.Trainable);
        Assert.DoesNotContain(layer.NamedParameters(), p => p.Key.StartsWith("first.", StringComparison.Ordinal));
        var ex = Assert.Throws<ArgumentException>(() => layer.Adapters["first"]);
        Assert.Contains("'second'", ex.Message);
    }

    [Fact]
    public void Taken_adapter_name_is_rejected()
    {
        var layer = new Linear<double>(In, Out);
        layer.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        var ex = Assert.Throws<ArgumentException>(() => layer.AttachMoRA("default", new MoRAOptions()));
        Assert.Contains("already has an adapter named 'default'", ex.Message);
    }

    [Fact]
    public void Concatenation_gives_the_weighted_sum_of_the_deltas_exactly()
    {
        var layer = new Linear<double>(In, Out);
        var first = layer.AttachLoRA("first", new LoRAOptions { Rank = 2, Alpha = 4 });
        var second = layer.AttachLoRA("second", new LoRAOptions { Rank = 3, Alpha = 3, UseRsLoRA = true, Seed = 1 });
        Fill(first.B, 2);
        Fill(second.B, 3);
        var combined = layer.Adapters.AddWeighted("both", ["first", "second"], [0.7, -0.4], LoRACombination.Concatenation);
        Assert.Equal(5, combined.Rank);
        Assert.Equal(1.0, combined.Scale);
        Assert.Same(first, layer.Adapters.Active);

        var d1 = new double[Out * In];
        var d2 = new double[Out * In];
        var d = new double[Out * In];
        first.ComputeDeltaWeight(d1);
        second.ComputeDeltaWeight(d2);
        combined.ComputeDeltaWeight(d);
        AssertClose(d1.Zip(d2, (a, b) => 0.7 * a - 0.4 * b).ToArray(), d, 1e-14);
    }

    [Fact]
    public void Linear_combination_scales_A_and_B_by_the_root_of_weight_times_scale()
    {
        var layer = new Linear<double>(In, Out);
        var first = layer.AttachLoRA("first", new LoRAOptions { Rank = 2, Alpha = 4 });
        var second = layer.AttachLoRA("second", new LoRAOptions { Rank = 2, Alpha = 1, Seed = 1 });
        Fill(first.B, 2);
        Fill(second.B, 3);
        var combined = layer.Adapters.AddWeighted("mix", ["first", "second"], [0.5, 2.0], LoRACombination.Linear);
        double c1 = Math.Sqrt(0.5 * 2.0), c2 = Math.Sqrt(2.0 * 0.5);
        AssertClose(first.A.Value.Zip(second.A.Value, (a, b) => c1 * a + c2 * b).ToArray(), combined.A.Value, 1e-15);
        AssertClose(first.B.Value.Zip(second.B.Value, (a, b) => c1 * a + c2 * b).ToArray(), combined.B.Value, 1e-15);
        Assert.Equal(1.0, combined.Scale);
    }

    [Fact]
    public void Linear_combination_of_different_ranks_or_of_MoRA_is_rejected()
    {
        var layer = new Linear<double>(In, Out);
        layer.AttachLoRA("r2", new LoRAOptions { Rank = 2 });
        layer.AttachLoRA("r3", new LoRAOptions { Rank = 3 });
        layer.AttachMoRA("mora", new MoRAOptions { Rank = 1 });
        var ranks = Assert.Throws<ArgumentException>(() => layer.Adapters.AddWeighted("x", ["r2", "r3"], [1, 1], LoRACombination.Linear));
        Assert.Contains("equal ranks", ranks.Message);
        var mora = Assert.Throws<ArgumentException>(() => layer.Adapters.AddWeighted("x", ["r2", "mora"], [1, 1], LoRACombination.Concatenation));
        Assert.Contains("'mora' is not a LoRA adapter", mora.Message);
        Assert.False(layer.Adapters.TryGet("x", out _));
    }
}
