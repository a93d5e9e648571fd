namespace Peft;

/// <summary>
/// Adds a LoRA+ adapter (Hayou, Ghosh, Yu, ICML 2024): the LoRA forward pass, with B (and every
/// trainable 1-D parameter) trained at <c>lr·Ratio</c> while A trains at <c>lr</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LoRAPlusAttribute : Attribute
{
    /// <summary>The rank r (at least 1, at most min(in, out)).</summary>
    public int Rank { get; set; } = Methods.LoRAMethod.DefaultRank;

    /// <summary>α, the numerator of the scale <c>α/r</c>.</summary>
    public double Alpha { get; set; } = Methods.LoRAMethod.DefaultAlpha;

    /// <summary>The learning-rate ratio of B to A; at least 1.0 and finite. The paper's default is 16.</summary>
    public double Ratio { get; set; } = Methods.LoRAPlusMethod.DefaultRatio;

    /// <inheritdoc cref="LoRAAttribute.TargetModules"/>
    public string[]? TargetModules { get; set; }
}
