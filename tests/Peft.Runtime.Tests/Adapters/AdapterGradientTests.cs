using Peft.Tests.Testing;

namespace Peft.Tests.Adapters;

/// <summary>
/// Central finite differences in double precision against the analytic backward of every adapter:
/// L = Σ w ⊙ y, so dY = w; checked for dX, the adapter's parameters, and the base when trained.
/// </summary>
public sealed class AdapterGradientTests
{
    private const int Batch = 3;

    public static TheoryData<string, int, int, int, bool> Cases()
    {
        var data = new TheoryData<string, int, int, int, bool>();
        foreach (var kind in new[] { "lora", "rslora", "loraplus", "mora-sharing", "mora-rope" })
        {
            data.Add(kind, 13, 7, 2, false);    // in > out, sizes not multiples of r̂
            data.Add(kind, 7, 13, 2, true);     // in < out, base trained too
        }

        data.Add("mora-sharing", 3, 50, 4, false);   // r̂ > in: the cyclic padding wraps
        data.Add("mora-rope", 3, 50, 4, true);
        data.Add("mora-rope", 20, 9, 1, false);      // RoPE chunks beyond out are skipped
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analytic_gradients_match_central_differences(string kind, int inF, int outF, int rank, bool trainBase)
    {
        var layer = new Linear<double>(inF, outF, random: new Random(7));
        Adapter<double> adapter = kind switch
        {
            "lora" => layer.AttachLoRA("default", new LoRAOptions { Rank = rank, Alpha = 3, FreezeBase = !trainBase }),
            "rslora" => layer.AttachLoRA("default", new LoRAOptions { Rank = rank, Alpha = 3, UseRsLoRA = true, FreezeBase = !trainBase }),
            "loraplus" => layer.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = rank, Alpha = 5, FreezeBase = !trainBase }),
            "mora-sharing" => layer.AttachMoRA("default", new MoRAOptions { Rank = rank, FreezeBase = !trainBase }),
            _ => layer.AttachMoRA("default", new MoRAOptions { Rank = rank, Type = MoRAType.RoPE, FreezeBase = !trainBase }),
        };

        // Non-zero B (LoRA) and M (MoRA) so that every path carries gradient.
        for (int i = 0; i < adapter.AdapterParameters.Count; i++)
        {
            FiniteDifference.Random(adapter.AdapterParameters[i].Length, 20 + i, 0.5).CopyTo(adapter.AdapterParameters[i].Value, 0);
        }

        var x = FiniteDifference.Random(Batch * inF, 1);
        var w = FiniteDifference.Random(Batch * outF, 2);
        var y = new double[Batch * outF];
        double Loss()
        {
            layer.Forward(x, y, Batch);
            return FiniteDifference.Dot(w, y);
        }

        layer.ZeroGradients();
        layer.Forward(x, y, Batch);
        var dx = new double[Batch * inF];
        layer.Backward(x, w, dx, Batch);

        FiniteDifference.CheckInPlace(x, Loss, dx, $"{kind} dX");
        foreach (var parameter in adapter.AdapterParameters)
        {
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, $"{kind} d{parameter.Name}");
        }

        if (trainBase)
        {
            FiniteDifference.CheckInPlace(layer.Weight.Value, Loss, layer.Weight.Gradient, $"{kind} dW");
            FiniteDifference.CheckInPlace(layer.Bias!.Value, Loss, layer.Bias.Gradient, $"{kind} db");
        }
        else
        {
            Assert.All(layer.Weight.Gradient, g => Assert.Equal(0.0, g));
        }
    }

    [Fact]
    public void Combined_adapter_gradients_match_central_differences()
    {
        var layer = new Linear<double>(9, 6, random: new Random(7));
        var first = layer.AttachLoRA("first", new LoRAOptions { Rank = 2, Alpha = 4 });
        var second = layer.AttachLoRA("second", new LoRAOptions { Rank = 3, Alpha = 3, Seed = 1 });
        FiniteDifference.Random(first.B.Length, 3).CopyTo(first.B.Value, 0);
        FiniteDifference.Random(second.B.Length, 4).CopyTo(second.B.Value, 0);
        var combined = layer.Adapters.AddWeighted("both", ["first", "second"], [0.5, 1.5], LoRACombination.Concatenation);
        layer.Adapters.SetActive("both");

        var x = FiniteDifference.Random(Batch * 9, 1);
        var w = FiniteDifference.Random(Batch * 6, 2);
        var y = new double[Batch * 6];
        double Loss()
        {
            layer.Forward(x, y, Batch);
            return FiniteDifference.Dot(w, y);
        }

        layer.ZeroGradients();
        layer.Forward(x, y, Batch);
        layer.Backward(x, w, Span<double>.Empty, Batch);
        FiniteDifference.CheckInPlace(combined.A.Value, Loss, combined.A.Gradient, "combined dA");
        FiniteDifference.CheckInPlace(combined.B.Value, Loss, combined.B.Gradient, "combined dB");
        Assert.All(first.A.Gradient, g => Assert.Equal(0.0, g));
    }
}
