using System.Collections.Generic;

namespace Peft.TargetModules;

/// <summary>
/// Checks the <c>TargetModules</c> of a class's adapter attributes against its <see cref="ModuleGraph"/>, in declaration
/// order: every name must match Linear modules only (at least one), every attribute's layers must share one element
/// type, and no layer may be claimed by two attributes (a layer takes one adapter; the runtime would refuse the second
/// under the same adapter name). The generator drops an attribute with a problem and the analyzer reports each one,
/// from this one decision.
/// </summary>
internal static class TargetCheck
{
    /// <summary>
    /// The problems of <paramref name="attributes"/> (each attribute's target names); <paramref name="elementTypes"/>
    /// receives each attribute's element type (<c>float</c> / <c>double</c>, null when it has no valid target).
    /// </summary>
    public static List<TargetProblem> Check(ModuleGraph graph, IReadOnlyList<IReadOnlyList<string>> attributes, out string?[] elementTypes)
    {
        var problems = new List<TargetProblem>();
        var claims = new Dictionary<ModuleNode, (int Attribute, string Target)>();
        elementTypes = new string?[attributes.Count];
        for (int a = 0; a < attributes.Count; a++)
        {
            IReadOnlyList<string> targets = attributes[a];
            for (int t = 0; t < targets.Count; t++)
            {
                ResolvedTarget resolved = ResolvedTarget.Resolve(graph, targets[t]);
                if (!resolved.IsValid)
                {
                    string detail = resolved.Explain(graph, out string? suggestion);
                    problems.Add(new TargetProblem(TargetProblemKind.NoLinear, a, t, detail, suggestion));
                    continue;
                }

                bool reported = false;
                foreach (ModuleNode node in resolved.Linears)
                {
                    string elementType = node.LinearElementType!;
                    if (elementType.Length == 0 || (elementTypes[a] is { } expected && expected != elementType))
                    {
                        problems.Add(new TargetProblem(TargetProblemKind.ElementType, a, t, node.Path));
                        reported = true;
                        break;
                    }

                    elementTypes[a] = elementType;
                    if (claims.TryGetValue(node, out var claim) && claim.Attribute != a)
                    {
                        problems.Add(new TargetProblem(TargetProblemKind.ClaimedTwice, a, t, node.Path, null, claim.Attribute, claim.Target));
                        reported = true;
                        break;
                    }
                }

                if (!reported)
                {
                    foreach (ModuleNode node in resolved.Linears)
                    {
                        if (!claims.ContainsKey(node))
                        {
                            claims.Add(node, (a, targets[t]));
                        }
                    }
                }
            }
        }

        return problems;
    }
}
