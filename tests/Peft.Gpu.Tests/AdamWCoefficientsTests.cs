using Peft.Gpu.Training;

namespace Peft.Gpu.Tests;

/// <summary>The AdamW scalars the shader reads, against the formula of PyTorch's AdamW (no device needed).</summary>
public sealed class AdamWCoefficientsTests
{
    [Fact]
    public void StepScalarsFollowTheBiasCorrections()
    {
        var row = new float[10];
        AdamWCoefficients.Write(row, 1e-3, 0.01, 0.9, 0.999, 1e-8, 3);
        Assert.Equal((float)(1 - 1e-5), row[0]);
        Assert.Equal((float)(-(1e-3 / (1 - Math.Pow(0.9, 3)))), row[5]);
        Assert.Equal((float)Math.Sqrt(1 - Math.Pow(0.999, 3)), row[6]);
        Assert.Equal(1f, row[8]);
        Assert.Equal(0f, row[9]); // 1 − β1 = 0.1 < 0.5: lerp from the start
        AdamWCoefficients.Write(row, 1e-3, 0.0, 0.2, 0.999, 1e-8, 1);
        Assert.Equal((0f, 1f), (row[8], row[9]));
    }
}
