using Peft.Methods;

namespace Peft.Generators.Models;

/// <summary>
/// One annotated layer member and its adapter configuration, as plain values.
/// Sizes are 0 when the layer's shape is not a compile-time constant.
/// </summary>
/// <param name="MemberName">The field or property name; it is also the module path of the layer.</param>
/// <param name="DeclarationIndex">The member's position among the model's adapter-annotated members (orders the output).</param>
/// <param name="ElementType"><c>float</c> or <c>double</c>.</param>
/// <param name="Method">Which adapter method.</param>
/// <param name="Rank">r: the LoRA rank, or the rank whose parameter budget MoRA matches.</param>
/// <param name="Alpha">α (LoRA, LoRA+).</param>
/// <param name="UseRsLoRA">Scale by α/√r instead of α/r (LoRA).</param>
/// <param name="Dropout">Dropout probability on the adapter input (LoRA).</param>
/// <param name="Init">The numeric value of <c>Peft.LoRAInit</c> (LoRA).</param>
/// <param name="Ratio">The LoRA+ learning-rate ratio of B to A.</param>
/// <param name="MoRAType">The numeric value of <c>Peft.MoRAType</c> (MoRA).</param>
/// <param name="InFeatures">The constant input width, or 0 when unknown.</param>
/// <param name="OutFeatures">The constant output width, or 0 when unknown.</param>
internal sealed record LayerInfo(
    string MemberName,
    int DeclarationIndex,
    string ElementType,
    AdapterMethod Method,
    int Rank,
    double Alpha,
    bool UseRsLoRA,
    double Dropout,
    int Init,
    double Ratio,
    int MoRAType,
    int InFeatures,
    int OutFeatures)
{
    /// <summary>Whether both sizes are compile-time constants.</summary>
    public bool HasConstantShape => InFeatures > 0 && OutFeatures > 0;
}
