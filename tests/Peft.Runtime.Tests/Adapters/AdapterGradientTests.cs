using Peft.Tests.Testing;

namespace Peft.Tests.Adapters;

/// <summary>
/// Central finite differences in double precision for a combined LoRA adapter (L = Σ w ⊙ y, so dY = w).
/// Every method's own gradients are checked by the conformance suite (<c>Conformance/AdapterConformanceTests</c>).
/// </summary>
public sealed class AdapterGradientTests
{
    private const int Batch = 3;

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
