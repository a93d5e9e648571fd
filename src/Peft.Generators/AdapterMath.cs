using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators;

/// <summary>
/// The compile-time arithmetic of a layer, read from the shared method descriptions
/// (<c>src/Peft.Runtime/Methods/*/…Method.cs</c>, linked): the runtime uses the same formulas.
/// </summary>
internal static class AdapterMath
{
    /// <summary>LoRA's scale <c>s = α/r</c>, or <c>α/√r</c> with rsLoRA.</summary>
    public static double Scale(LayerInfo layer) => LoRAMethod.Scale(layer.Alpha, layer.Rank, layer.UseRsLoRA);

    /// <summary>MoRA's <c>r̂</c> for the layer's constant shape.</summary>
    public static int SquareRank(LayerInfo layer) =>
        MoRAMethod.SquareRank(layer.InFeatures, layer.OutFeatures, layer.Rank, layer.MoRAType);

    /// <summary>Checks that depend on a constant shape: LoRA's rank at most min(in, out); MoRA's r̂ usable.</summary>
    public static bool FitsShape(LayerInfo layer) => layer.Method switch
    {
        AdapterMethod.LoRA or AdapterMethod.LoRAPlus => LoRAMethod.FitsShape(layer.Rank, layer.InFeatures, layer.OutFeatures),
        AdapterMethod.MoRA => MoRAMethod.FitsShape(layer.Rank, layer.MoRAType, layer.InFeatures, layer.OutFeatures),
    };
}
