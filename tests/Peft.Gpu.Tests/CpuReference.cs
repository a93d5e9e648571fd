namespace Peft.Gpu.Tests;

/// <summary>An adapted Linear on the CPU runtime with its AdamW (LoRA+ groups), built twice from the same seeds for GPU == CPU checks.</summary>
internal sealed class CpuReference
{
    public CpuReference(string adapter, int inF, int outF, int rank, bool bias = true, double weightDecay = 0.0)
    {
        Layer = new Linear(inF, outF, bias, new Random(3));
        var random = new Random(5);
        switch (adapter)
        {
            case "lora":
                var lora = Layer.AttachLoRA("default", new LoRAOptions { Rank = rank, Alpha = 2 * rank });
                Fill(lora.B.Value, random); // B starts at zero; a nonzero B exercises every gradient path
                Ratio = 1;
                break;
            case "loraplus":
                var plus = Layer.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = rank, Alpha = 3 * rank, Ratio = 16 });
                Fill(plus.B.Value, random);
                Ratio = 16;
                break;
            default:
                var type = adapter == "mora-rope" ? MoRAType.RoPE : MoRAType.Sharing;
                var mora = Layer.AttachMoRA("default", new MoRAOptions { Rank = rank, Type = type });
                Fill(mora.M.Value, random); // M starts at zero
                Ratio = 1;
                break;
        }

        Optimizer = new AdamW(LoRAPlusParameterGroups.Create(Layer, 1e-2, Ratio, weightDecay), epsilon: 1e-8);
    }

    public Linear Layer { get; }

    public AdamW Optimizer { get; }

    public double Ratio { get; }

    public IReadOnlyList<Parameter<float>> AdapterParameters => Layer.Adapters.Active!.AdapterParameters;

    private static void Fill(float[] values, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }
    }
}
