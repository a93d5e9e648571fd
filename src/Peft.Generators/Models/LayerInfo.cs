using Peft.Generators.Helpers;
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
/// <param name="Arguments">
/// The attribute's argument values in the order of the method's shared description (<see cref="AdapterMethodInfo.Arguments"/>),
/// defaults for the unwritten ones; ints, bools (0/1) and enum values as doubles.
/// </param>
/// <param name="InFeatures">The constant input width, or 0 when unknown.</param>
/// <param name="OutFeatures">The constant output width, or 0 when unknown.</param>
internal sealed record LayerInfo(
    string MemberName,
    int DeclarationIndex,
    string ElementType,
    AdapterMethod Method,
    EquatableArray<double> Arguments,
    int InFeatures,
    int OutFeatures)
{
    /// <summary>
    /// How documentation and error messages name the layer after its model: null for a member (<c>.Hidden</c>);
    /// the targets of a class-level attribute (<c>[q_proj, v_proj]</c>).
    /// </summary>
    public string? Label { get; init; }

    /// <summary>The layer's name in documentation and error messages: <c>Classifier.Hidden</c>, <c>ChatTuning[q_proj, v_proj]</c>.</summary>
    public string QualifiedName(HierarchyInfo model) => model.DisplayName + (Label ?? "." + MemberName);

    /// <summary>Whether both sizes are compile-time constants.</summary>
    public bool HasConstantShape => InFeatures > 0 && OutFeatures > 0;

    /// <summary>r: the LoRA rank, or the rank whose parameter budget MoRA matches (every method has one).</summary>
    public int Rank => (int)Argument("Rank");

    /// <summary>The value of argument <paramref name="name"/> of the layer's method.</summary>
    public double Argument(string name) => Arguments[AdapterMethods.Get(Method).IndexOf(name)];

    /// <summary>A boolean argument (stored as 0/1).</summary>
    public bool Flag(string name) => Argument(name) != 0;

    /// <summary>Whether the layer's values fit its constant shape (the method's shared shape rule).</summary>
    public bool FitsShape() => AdapterMethods.Get(Method).FitsShape(Argument, InFeatures, OutFeatures);
}
