using System.Collections.Generic;

namespace Peft.TargetModules;

/// <summary>What one name of a class-level <c>TargetModules</c> matches in a <see cref="ModuleGraph"/>.</summary>
internal sealed class ResolvedTarget
{
    private ResolvedTarget(string target, List<ModuleNode> linears, List<ModuleNode> others)
    {
        Target = target;
        Linears = linears;
        Others = others;
    }

    /// <summary>The name as written.</summary>
    public string Target { get; }

    /// <summary>The Linear modules it matches.</summary>
    public List<ModuleNode> Linears { get; }

    /// <summary>The other modules it matches (the runtime's <c>Apply</c> refuses them, as PEFT refuses unsupported modules).</summary>
    public List<ModuleNode> Others { get; }

    /// <summary>Whether the name matches Linear modules only, at least one.</summary>
    public bool IsValid => Linears.Count != 0 && Others.Count == 0;

    /// <summary>Matches <paramref name="target"/> against <paramref name="graph"/>.</summary>
    public static ResolvedTarget Resolve(ModuleGraph graph, string target)
    {
        var linears = new List<ModuleNode>();
        var others = new List<ModuleNode>();
        foreach (ModuleNode node in graph.Match(target))
        {
            (node.IsLinear ? linears : others).Add(node);
        }

        return new ResolvedTarget(target, linears, others);
    }

    /// <summary>
    /// Why the name is not a valid target, after <c>'{target}' matches no Linear in {model}</c>: the nearest Linear names
    /// by edit distance (<c> — did you mean 'q_proj'?</c>), the kind of module it names instead, or the Linear names there are.
    /// </summary>
    public string Explain(ModuleGraph graph, out string? suggestion)
    {
        suggestion = null;
        if (Others.Count != 0)
        {
            ModuleNode other = Others[0];
            return $" — it names {other.TypeName} modules ({other.Path}); adapters attach to Linear layers only";
        }

        List<string> nearest = TargetSuggestions.Nearest(graph, Target);
        if (nearest.Count != 0)
        {
            suggestion = nearest[0];
            return " — did you mean " + string.Join(" or ", nearest.ConvertAll(static name => "'" + name + "'")) + "?";
        }

        List<string> names = TargetSuggestions.LinearNames(graph);
        return names.Count == 0
            ? " — it describes no Linear modules"
            : " (its Linear modules: " + string.Join(", ", names) + ")";
    }
}
