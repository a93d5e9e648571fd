using System;
using Peft.Generators.Models;

namespace Peft.Generators;

/// <summary>
/// The compile-time arithmetic of the adapters (the same formulas as the runtime in
/// <c>Peft.Runtime</c>): scale, MoRA's square rank and which configurations are valid.
/// </summary>
internal static class AdapterMath
{
    /// <summary>LoRA's scale <c>s = α/r</c>, or <c>α/√r</c> with rsLoRA.</summary>
    public static double Scale(LayerInfo layer) =>
        layer.UseRsLoRA ? layer.Alpha / Math.Sqrt(layer.Rank) : layer.Alpha / layer.Rank;

    /// <summary>MoRA's <c>r̂ = ⌊√((in+out)·r) + 0.5⌋</c>, rounded down to even for the RoPE type.</summary>
    public static int SquareRank(int inFeatures, int outFeatures, int rank, int moraType)
    {
        int square = (int)Math.Floor(Math.Sqrt((double)(inFeatures + outFeatures) * rank) + 0.5);
        return moraType == RoPEType ? square / 2 * 2 : square;
    }

    /// <summary><c>Peft.MoRAType.Sharing</c>.</summary>
    public const int SharingType = 1;

    /// <summary><c>Peft.MoRAType.RoPE</c>.</summary>
    public const int RoPEType = 6;

    /// <summary>Attribute values the runtime accepts, independent of the layer shape.</summary>
    public static bool IsValidConfiguration(LayerInfo layer) => layer.Kind switch
    {
        AdapterKind.LoRA => layer.Rank >= 1 && IsFinite(layer.Alpha) &&
            layer.Dropout >= 0 && layer.Dropout < 1 && layer.Init is 0 or 1,
        AdapterKind.LoRAPlus => layer.Rank >= 1 && IsFinite(layer.Alpha) && IsFinite(layer.Ratio) && layer.Ratio >= 1,
        AdapterKind.MoRA => layer.Rank >= 1 && layer.MoRAType is SharingType or RoPEType,
        _ => false,
    };

    /// <summary>Checks that depend on a constant shape: LoRA's rank at most min(in, out); MoRA's r̂ usable.</summary>
    public static bool FitsShape(LayerInfo layer) => layer.Kind switch
    {
        AdapterKind.MoRA => SquareRank(layer.InFeatures, layer.OutFeatures, layer.Rank, layer.MoRAType) >= (layer.MoRAType == RoPEType ? 2 : 1),
        _ => layer.Rank <= Math.Min(layer.InFeatures, layer.OutFeatures),
    };

    private static bool IsFinite(double value) => !double.IsNaN(value) && !double.IsInfinity(value);
}
