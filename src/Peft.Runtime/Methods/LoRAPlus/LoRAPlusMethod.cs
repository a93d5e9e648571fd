namespace Peft.Methods;

/// <summary>
/// LoRA+'s shared description (Hayou, Ghosh, Yu, ICML 2024): LoRA's rank and α plus the learning-rate ratio
/// of B to A, finite and ≥ 1 (an error below), with a warning above <see cref="LargestStableRatio"/>.
/// </summary>
internal static class LoRAPlusMethod
{
    /// <summary>The paper's default ratio.</summary>
    public const double DefaultRatio = 16;

    /// <summary>The largest ratio that draws no warning (the paper's ablation degrades above it).</summary>
    public const double LargestStableRatio = 64;

    public static readonly AdapterArgument Ratio =
        new("Ratio", AdapterArgumentKind.Double, DefaultRatio, "finite and ≥ 1", AdapterMethods.InvalidLoRAPlusRatioId, IsValidRatio);

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.LoRAPlus,
        "LoRAPlus",
        "LoRA+",
        ["Linear"],
        [LoRAMethod.Rank, LoRAMethod.Alpha, Ratio],
        LoRAMethod.FitsShape,
        rankIsInnerDimension: true);

    /// <summary>Finite and at least 1 (written so that NaN fails).</summary>
    public static bool IsValidRatio(double ratio) => ratio >= 1 && !double.IsPositiveInfinity(ratio);
}
