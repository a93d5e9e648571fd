using Peft.Generators.Models;

namespace Peft.Generators.Methods;

/// <summary>
/// DoRA (<c>[DoRA]</c>): <c>AttachDoRA</c> with LoRA's arguments and LoRA's rank-specialized kernel, which computes
/// DoRA's low-rank products (<c>s·B·A·x</c>, and the gradients with <c>f ⊙ dY</c>); the runtime's <c>DoRAAdapter</c>
/// applies the magnitude <c>f = m / ‖W0 + s·B·A‖_row</c> around it.
/// </summary>
internal sealed class DoRAEmitter : LoRAEmitter
{
    public static new readonly DoRAEmitter Instance = new();

    private DoRAEmitter()
    {
    }

    public override string Describe(LayerInfo layer) =>
        $"DoRA, r = {layer.Rank}, α = {FormatDouble(layer.Argument("Alpha"))}{(UsesRsLoRA(layer) ? " (rsLoRA)" : "")}{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed)
    {
        AttachCall lora = base.Attach(layer, seed);
        return new("AttachDoRA", "DoRAOptions", lora.Values);
    }

    private protected override string ForwardRemark =>
        "/// <para>DoRA's low-rank products: <c>xa = x·Aᵀ</c>, <c>y += s·xa·Bᵀ</c>; the adapter rescales row o of " +
        "<c>W0·x + s·B·(A·x)</c> by <c>m[o] / ‖W0 + s·B·A‖_o</c>.</para>";
}
