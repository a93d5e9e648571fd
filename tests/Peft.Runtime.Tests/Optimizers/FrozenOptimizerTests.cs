namespace Peft.Tests.Optimizers;

/// <summary>An optimizer that can only ever update frozen parameters is a mistake that would train nothing silently.</summary>
public sealed class FrozenOptimizerTests
{
    [Fact]
    public void Optimizer_created_before_attaching_adapters_refuses_to_step()
    {
        var layer = new Linear(6, 4);
        var optimizer = new AdamW(layer, learningRate: 1e-3);
        layer.AttachLoRA("default", new LoRAOptions { Rank = 2 });   // freezes the base the optimizer holds

        Assert.All(optimizer.Groups.SelectMany(g => g.Parameters), p => Assert.False(p.Trainable, p.ToString()));
        var error = Assert.Throws<InvalidOperationException>(optimizer.Step);
        Assert.Contains("AdamW.Step: all 2 parameters in its 1 group(s) are frozen", error.Message);
        Assert.Contains("before AttachAdapters", error.Message);
        Assert.Equal(0, optimizer.StepCount);
    }

    [Fact]
    public void Optimizer_created_after_attaching_adapters_steps()
    {
        var layer = new Linear(6, 4);
        var lora = layer.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        var optimizer = new AdamW(layer, learningRate: 1e-3);
        lora.B.Gradient.AsSpan().Fill(1f);

        optimizer.Step();

        Assert.Equal(1, optimizer.StepCount);
        Assert.All(lora.B.Value, value => Assert.NotEqual(0f, value));
    }
}
