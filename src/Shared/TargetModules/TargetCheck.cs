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
        var claims = new Dictionary<ModuleNode, List<Claim>>();
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

                if (FindProblem(resolved, a, t, claims, elementTypes) is { } problem)
                {
                    problems.Add(problem);
                    continue;
                }

                foreach (ModuleNode node in resolved.Linears)
                {
                    if (!claims.TryGetValue(node, out List<Claim>? list))
                    {
                        claims.Add(node, list = []);
                    }

                    list.Add(new Claim(a, targets[t], Binding(targets[t], node)));
                }
            }
        }

        return problems;
    }

    private static TargetProblem? FindProblem(ResolvedTarget resolved, int a, int t, Dictionary<ModuleNode, List<Claim>> claims, string?[] elementTypes)
    {
        foreach (ModuleNode node in resolved.Linears)
        {
            string elementType = node.LinearElementType!;
            if (elementType.Length == 0 || (elementTypes[a] is { } expected && expected != elementType))
            {
                return new TargetProblem(TargetProblemKind.ElementType, a, t, node.Path);
            }

            elementTypes[a] = elementType;
            if (claims.TryGetValue(node, out List<Claim>? list))
            {
                string?[] binding = Binding(resolved.Target, node);
                foreach (Claim claim in list)
                {
                    if (claim.Attribute != a && Overlap(claim.Binding, binding))
                    {
                        return new TargetProblem(TargetProblemKind.ClaimedTwice, a, t, node.Path, null, claim.Attribute, claim.Target);
                    }
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Which indices of the node's module lists the target fixes: per path segment, the index the target writes at an
    /// index segment (<c>layers.0.self_attn.q_proj</c> fixes the layer to 0), or null where any index matches.
    /// </summary>
    private static string?[] Binding(string target, ModuleNode node)
    {
        string[] segments = target.Split('.');
        var binding = new string?[node.Segments.Length];
        int offset = node.Segments.Length - segments.Length;
        for (int i = 0; i < segments.Length; i++)
        {
            if (node.Segments[offset + i] == ModuleGraph.IndexSegment)
            {
                binding[offset + i] = segments[i];
            }
        }

        return binding;
    }

    /// <summary>Whether two targets of one node can match the same layer: no index segment where both fix different indices.</summary>
    private static bool Overlap(string?[] first, string?[] second)
    {
        for (int i = 0; i < first.Length; i++)
        {
            if (first[i] is { } left && second[i] is { } right && left != right)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A layer (node) claimed by an attribute's target, with the indices the target fixes.</summary>
    private sealed record Claim(int Attribute, string Target, string?[] Binding);
}
