using System.Linq;
using Peft.Generators.Models;
using Peft.Methods;

namespace Peft.Generators.Methods;

/// <summary>
/// VeRA (<c>[VeRA]</c>): <c>AttachVeRA</c> over projections shared by every VeRA layer of the model, sized to its largest
/// VeRA layer (constants when every shape is known, else the layers' widths at run time), and LoRA's rank-specialized
/// kernel at scale 1, which computes VeRA's products on <c>A' = diag(λ_d)·A</c> and <c>B' = diag(λ_b)·B</c>.
/// </summary>
internal sealed class VeRAEmitter : LoRAEmitter
{
    public static new readonly VeRAEmitter Instance = new();

    private VeRAEmitter()
    {
    }

    public override string Describe(LayerInfo layer) =>
        $"VeRA, r = {layer.Rank}, projection_prng_key {(int)layer.Argument("ProjectionPrngKey")}, d_initial {FormatDouble(layer.Argument("DInitial"))}{ShapeText(layer)}";

    public override AttachCall Attach(LayerInfo layer, string seed) => new("AttachVeRA", "VeRAOptions",
    [
        $"Rank = {layer.Rank},",
        $"ProjectionPrngKey = {(int)layer.Argument("ProjectionPrngKey")},",
        $"SaveProjection = {(layer.Flag("SaveProjection") ? "true" : "false")},",
        $"Dropout = {FormatDouble(layer.Argument("Dropout"))},",
        $"DInitial = {FormatDouble(layer.Argument("DInitial"))},",
        $"Seed = {seed},",
    ]);

    /// <summary>The layer's options plus the shared projections: <c>VeRAProjections.Create</c> sized to the model's largest VeRA layer, made once.</summary>
    public override AttachCall Attach(ModelInfo model, LayerInfo layer, string seed)
    {
        AttachCall own = Attach(layer, seed);
        LayerInfo[] vera = model.Layers.Where(static l => l.Method == AdapterMethod.VeRA).ToArray();
        string maxIn = Largest(vera, static l => l.InFeatures, "InFeatures");
        string maxOut = Largest(vera, static l => l.OutFeatures, "OutFeatures");
        return new(own.Method, own.Options,
        [
            .. own.Values,
            $"Projections = global::Peft.VeRAProjections.Create({layer.Rank}, {maxIn}, {maxOut}, {(int)layer.Argument("ProjectionPrngKey")}),",
        ]);
    }

    /// <summary>Scale 1: VeRA's λ_b and λ_d scale the factors themselves.</summary>
    private protected override (double Scale, string Formula) ScaleOf(LayerInfo layer) => (1.0, "1 (λ_b and λ_d scale B and A)");

    private protected override string ForwardRemark =>
        "/// <para>VeRA's products on <c>A' = diag(λ_d)·A</c>, <c>B' = diag(λ_b)·B</c>: <c>xa = x·A'ᵀ</c>, <c>y += xa·B'ᵀ</c>.</para>";

    /// <summary>The largest width over the VeRA layers: a constant when all are known, else <c>Math.Max</c> over the members.</summary>
    private static string Largest(LayerInfo[] layers, System.Func<LayerInfo, int> width, string property) =>
        layers.All(static l => l.HasConstantShape)
            ? layers.Max(width).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : layers.Skip(1).Aggregate($"{PeftGenerator.MemberAccess(layers[0])}.{property}",
                (max, l) => $"global::System.Math.Max({max}, {PeftGenerator.MemberAccess(l)}.{property})");
}
