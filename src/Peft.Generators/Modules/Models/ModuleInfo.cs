using Peft.Generators.Helpers;
using Peft.Generators.Models;

namespace Peft.Generators.Modules.Models;

/// <summary>
/// What the module generator writes for one partial module class, free of symbols so that the
/// pipeline can cache it: the members it registers and, when <c>Forward</c> is differentiable, its Backward.
/// </summary>
/// <param name="Hierarchy">Where the class lives (namespace, containing types).</param>
/// <param name="Members">The module members to register as children, in declaration order; empty when the class registers its own.</param>
/// <param name="Backward">The Backward to write, or null.</param>
internal sealed record ModuleInfo(HierarchyInfo Hierarchy, EquatableArray<string> Members, BackwardInfo? Backward)
{
    /// <summary>The generated file's name: <c>Ns.Outer+Model.Module.g.cs</c>.</summary>
    public string HintName => Hierarchy.HintName.Substring(0, Hierarchy.HintName.Length - ".g.cs".Length) + ".Module.g.cs";
}
