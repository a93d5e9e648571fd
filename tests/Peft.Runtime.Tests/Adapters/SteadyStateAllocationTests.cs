namespace Peft.Tests.Adapters;

public sealed class SteadyStateAllocationTests
{
    public static TheoryData<string> Kinds() => ["lora", "loraplus", "mora-sharing", "mora-rope", "lora-dropout"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Training_step_allocates_nothing_after_warm_up(string kind)
    {
        const int batch = 4, inF = 24, outF = 20;
        var layer = new Linear<float>(inF, outF);
        _ = kind switch
        {
            "lora" => (object)layer.AttachLoRA("default", new LoRAOptions { Rank = 4 }),
            "loraplus" => layer.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = 4 }),
            "lora-dropout" => layer.AttachLoRA("default", new LoRAOptions { Rank = 4, Dropout = 0.1 }),
            "mora-sharing" => layer.AttachMoRA("default", new MoRAOptions { Rank = 2 }),
            _ => layer.AttachMoRA("default", new MoRAOptions { Rank = 2, Type = MoRAType.RoPE }),
        };
        var optimizer = new AdamW(LoRAPlusParameterGroups.Create(layer, 1e-3, 16));
        var x = new float[batch * inF];
        var y = new float[batch * outF];
        var dy = new float[batch * outF];
        var dx = new float[batch * inF];
        x.AsSpan().Fill(0.5f);
        dy.AsSpan().Fill(0.25f);

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

        long steady = GC.GetAllocatedBytesForCurrentThread() - before;

        // A smaller batch reuses the scratch; only a larger one grows it.
        before = GC.GetAllocatedBytesForCurrentThread();
        layer.Forward(x.AsSpan(0, inF), y.AsSpan(0, outF), 1);
        layer.Backward(x.AsSpan(0, inF), dy.AsSpan(0, outF), dx.AsSpan(0, inF), 1);
        long smaller = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, steady);
        Assert.Equal(0, smaller);
    }
}
