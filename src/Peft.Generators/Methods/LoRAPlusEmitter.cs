using Peft.Generators.Models;

namespace Peft.Generators.Methods;

/// <summary>
/// LoRA+ (<c>[LoRAPlus]</c>): LoRA's kernel (the forward pass is LoRA's; no rsLoRA argument), attached with
/// <c>AttachLoRAPlus</c>; its ratio sets the learning rate of B in the model's optimizer groups.
/// </summary>
internal sealed class LoRAPlusEmitter : LoRAEmitter
{
    public static new readonly LoRAPlusEmitter Instance = new();

    private LoRAPlusEmitter()
    {
    }

    public override string Describe(LayerInfo layer) =>
        $"LoRA+, r = {layer.Rank}, α = {FormatDouble(layer.Argument("Alpha"))}, ratio {FormatDouble(layer.Argument("Ratio"))}{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed) => new("AttachLoRAPlus", "LoRAPlusOptions",
    [
        $"Rank = {layer.Rank},",
        $"Alpha = {FormatDouble(layer.Argument("Alpha"))},",
        $"Ratio = {FormatDouble(layer.Argument("Ratio"))},",
        $"Seed = {seed},",
    ]);

    public override double? LearningRateRatio(LayerInfo layer) => layer.Argument("Ratio");

    private protected override bool UsesRsLoRA(LayerInfo layer) => false;
}
