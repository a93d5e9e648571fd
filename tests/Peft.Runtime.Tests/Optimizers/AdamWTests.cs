namespace Peft.Tests.Optimizers;

public sealed class AdamWTests
{
    private const double Lr = 0.1;
    private const double Wd = 0.01;
    private const double Eps = 1e-8;

    [Fact]
    public void One_and_two_steps_match_hand_computed_values()
    {
        var p = new Parameter<double>("w", [1], ParameterRole.LoRAA);
        p.Value[0] = 1.0;
        var optimizer = new AdamW([new ParameterGroup("g", [p], Lr, Wd)], 0.9, 0.999, Eps);

        // Step 1, g = 0.5:
        //   p ← 1·(1 − 0.1·0.01) = 0.999
        //   m = 0.1·0.5 = 0.05;  v = 0.001·0.25 = 0.00025
        //   bias corrections 1 − 0.9 = 0.1 and 1 − 0.999 = 0.001 → step size 0.1 / 0.1 = 1
        //   denominator √0.00025 / √0.001 + 1e-8 = 0.5 + 1e-8
        //   p ← 0.999 − 1 · 0.05 / (0.5 + 1e-8)
        p.Gradient[0] = 0.5;
        optimizer.Step();
        double expected1 = 0.999 - 1.0 * 0.05 / (Math.Sqrt(0.00025) / Math.Sqrt(0.001) + 1e-8);
        Assert.Equal(expected1, p.Value[0], 15);
        Assert.Equal(0.8990000019999999, p.Value[0], 14);

        // Step 2, g = −0.2:
        //   p ← p1·0.999
        //   m = 0.9·0.05 + 0.1·(−0.2) = 0.025;  v = 0.999·0.00025 + 0.001·0.04 = 0.00028975
        //   bias corrections 1 − 0.81 = 0.19 and 1 − 0.998001 = 0.001999 → step size 0.1 / 0.19
        //   p ← p1·0.999 − (0.1 / 0.19) · 0.025 / (√0.00028975 / √0.001999 + 1e-8)
        p.Gradient[0] = -0.2;
        optimizer.Step();
        double expected2 = expected1 * 0.999 - 0.1 / 0.19 * 0.025 / (Math.Sqrt(0.00028975) / Math.Sqrt(0.001999) + 1e-8);
        Assert.Equal(expected2, p.Value[0], 14);
    }
}
