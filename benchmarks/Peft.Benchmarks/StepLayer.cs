using Peft;

namespace Peft.Benchmarks;

/// <summary>The <c>step</c> benchmark's layer, optimizer and data, shared by the CPU and GPU commands so both time the same step.</summary>
internal static class StepLayer
{
    /// <summary>
    /// A frozen <c>in → out</c> Linear with bias and the adapter of <paramref name="options"/> (α = 2r for LoRA / LoRA+ / DoRA / AdaLoRA / LoHa / LoKr, AdaLoRA budgeting at every step,
    /// VeRA at rank r with projections sized to the layer; IA³ on the output,
    /// LoRA+ ratio 16), and AdamW over the LoRA+ groups (A at 1e-4, B at 1e-4·16; plain LoRA and MoRA one rate, as the peer).
    /// </summary>
    public static (Linear Layer, AdamW Optimizer) Create(StepOptions options, int inF, int outF, int r)
    {
        var layer = new Linear(inF, outF, bias: true, random: new Random(1));
        if (options.Path == "generated")
        {
            // The same configuration with the generator's specialized kernel (Generated/GeneratedStepLayers.cs).
            layer = Generated.GeneratedStepLayers.Create(options.Adapter, options.MoRAType, inF, outF, r);
        }
        else switch (options.Adapter)
        {
            case "lora":
                layer.AttachLoRA("default", new LoRAOptions { Rank = r, Alpha = 2 * r });
                break;
            case "loraplus":
                layer.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = r, Alpha = 2 * r, Ratio = 16 });
                break;
            case "dora":
                layer.AttachDoRA("default", new DoRAOptions { Rank = r, Alpha = 2 * r });
                break;
            case "loha":
                layer.AttachLoHa("default", new LoHaOptions { Rank = r, Alpha = 2 * r });
                break;
            case "lokr":
                layer.AttachLoKr("default", new LoKrOptions { Rank = r, Alpha = 2 * r });
                break;
            case "adalora":
                // Budgeting at every step (PEFT's deltaT 1): the worst case of the allocator's per-step work.
                layer.AttachAdaLoRA("default", new AdaLoRAOptions { Rank = r, TargetRank = r / 2, Alpha = 2 * r, TotalSteps = 1_000_000 });
                break;
            case "vera":
                layer.AttachVeRA("default", new VeRAOptions { Rank = r });
                break;
            case "ia3":
                layer.AttachIA3("default", new IA3Options());
                break;
            default:
                layer.AttachMoRA("default", new MoRAOptions { Rank = r, Type = options.MoRAType });
                break;
        }

        double ratio = options.Adapter == "loraplus" ? 16.0 : 1.0;
        return (layer, new AdamW(LoRAPlusParameterGroups.Create(layer, 1e-4, ratio), epsilon: 1e-8));
    }

    /// <summary>The fixed input x [n, in] and upstream gradient dY [n, out], uniform in [−1, 1) from seed 0.</summary>
    public static (float[] X, float[] Dy) Data(int n, int inF, int outF)
    {
        var random = new Random(0);
        float[] x = Enumerable.Range(0, n * inF).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] dy = Enumerable.Range(0, n * outF).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (x, dy);
    }
}
