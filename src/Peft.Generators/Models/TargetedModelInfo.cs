using Peft.Generators.Helpers;

namespace Peft.Generators.Models;

/// <summary>
/// A class whose adapter attributes sit on the class itself and name their layers by <c>TargetModules</c>
/// (<c>[LoRA(TargetModules = ["q_proj", "v_proj"])] partial class ChatTuning : LlamaForCausalLM</c>): the unit of one
/// generated file, <c>{Model}.Targets.g.cs</c>.
/// </summary>
/// <param name="Hierarchy">Where the class lives.</param>
/// <param name="BaseType">The base type as C# names it, for the documentation (<c>LlamaForCausalLM</c>).</param>
/// <param name="Groups">One per valid attribute, in declaration order.</param>
/// <param name="Constructors">The base constructors the class re-declares, when it declares none itself.</param>
internal sealed record TargetedModelInfo(
    HierarchyInfo Hierarchy,
    string BaseType,
    EquatableArray<TargetGroupInfo> Groups,
    EquatableArray<BaseConstructorInfo> Constructors)
{
    /// <summary><c>Ns.ChatTuning.Targets.g.cs</c>: apart from the file of member-level attributes.</summary>
    public string HintName => Hierarchy.HintName.Substring(0, Hierarchy.HintName.Length - ".g.cs".Length) + ".Targets.g.cs";
}

/// <summary>One class-level adapter attribute resolved against the model's module graph.</summary>
/// <param name="Layer">
/// The adapter configuration every matched layer gets. Its shape is not constant (it comes from the model's config at
/// run time); <see cref="LayerInfo.MemberName"/> is the kernel's stem (<c>QProjVProj</c>) and <see cref="LayerInfo.Label"/>
/// names the targets (<c>[q_proj, v_proj]</c>).
/// </param>
/// <param name="Targets">The names as written, in order.</param>
/// <param name="Paths">The module paths they match, <c>{i}</c> standing for every index of a module list.</param>
internal sealed record TargetGroupInfo(LayerInfo Layer, EquatableArray<string> Targets, EquatableArray<string> Paths);

/// <summary>A base constructor re-declared by the generated part: <c>{Accessibility} Model({Parameters}) : base({Arguments})</c>.</summary>
internal sealed record BaseConstructorInfo(string Accessibility, string Parameters, string Arguments);
