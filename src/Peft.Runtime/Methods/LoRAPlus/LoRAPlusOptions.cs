using Peft.Methods;

namespace Peft;

/// <summary>
/// A LoRA+ adapter (Hayou, Ghosh, Yu, ICML 2024): LoRA's forward pass; the optimizer trains
/// B at <c>lr·Ratio</c> and A at <c>lr</c> (see <see cref="LoRAPlusParameterGroups"/>).
/// </summary>
public sealed record LoRAPlusOptions : LoRAOptions
{
    /// <summary>The learning-rate ratio of B to A: at least 1.0 and finite. The paper's default is 16.</summary>
    public double Ratio { get; init; } = LoRAPlusMethod.DefaultRatio;

    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
        base.Validate(context, inFeatures, outFeatures);
        ValidateRatio(context, Ratio);
    }

    /// <summary>Throws unless <paramref name="ratio"/> is finite and at least 1.0 (NaN is rejected).</summary>
    internal static void ValidateRatio(string context, double ratio)
    {
        if (!LoRAPlusMethod.IsValidRatio(ratio))
        {
            throw new ArgumentException(
                $"{context}: LoRA+ learning-rate ratio must be finite and at least 1.0, got {ratio}.", nameof(Ratio));
        }
    }
}
