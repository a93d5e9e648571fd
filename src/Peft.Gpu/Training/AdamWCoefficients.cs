namespace Peft.Gpu.Training;

/// <summary>
/// One parameter group's row of AdamW scalars for <c>Shaders/adamw.hlsl</c>, computed in double and rounded to float
/// exactly as <c>Peft.Runtime</c>'s AdamW does for a float parameter (so both paths apply the same rounded scalars).
/// </summary>
internal static class AdamWCoefficients
{
    /// <summary>Writes the 10 words of step <paramref name="step"/> (1-based) into <paramref name="row"/>.</summary>
    public static void Write(Span<float> row, double learningRate, double weightDecay, double beta1, double beta2, double epsilon, long step)
    {
        row[0] = (float)(1.0 - learningRate * weightDecay);                      // p·(1 − lr·wd)
        row[1] = (float)(1.0 - beta1);                                             // lerp weight
        row[2] = (float)beta1;                                                     // lerp complement
        row[3] = (float)beta2;
        row[4] = (float)(1.0 - beta2);
        row[5] = (float)(-(learningRate / (1.0 - Math.Pow(beta1, step))));        // −lr/(1 − β1ᵗ)
        row[6] = (float)Math.Sqrt(1.0 - Math.Pow(beta2, step));                   // √(1 − β2ᵗ)
        row[7] = (float)epsilon;
        row[8] = weightDecay != 0.0 ? 1f : 0f;                                     // decay applied
        row[9] = 1.0 - beta1 >= 0.5 ? 1f : 0f;                                      // torch.lerp from the end
    }
}
