using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Peft.TargetModules;

/// <summary>
/// The modules of a model type as its library describes them at compile time: every property carrying
/// <c>[ModuleName("…")]</c> (the model's own and its base types', most derived first), followed into module types and
/// through <c>ModuleList&lt;T&gt;</c>, whose elements add an index segment <c>{i}</c>. For <c>LlamaForCausalLM</c>:
/// <c>model</c>, <c>model.embed_tokens</c>, <c>model.layers</c>, <c>model.layers.{i}</c>,
/// <c>model.layers.{i}.self_attn.q_proj</c>, …, <c>lm_head</c>. Linked into Peft.Generators and Peft.Analyzers
/// (src/Shared), so that the generator and the analyzer resolve targets alike.
/// </summary>
internal sealed class ModuleGraph
{
    /// <summary>The segment a <c>ModuleList</c> element adds: any index.</summary>
    public const string IndexSegment = "{i}";

    /// <summary>How deep the walk follows modules; a guard against runaway (recursive) descriptions.</summary>
    private const int MaxDepth = 32;

    private ModuleGraph(List<ModuleNode> modules) => Modules = modules;

    /// <summary>Every described module, in walk order (a module before its children).</summary>
    public IReadOnlyList<ModuleNode> Modules { get; }

    /// <summary>Whether any described module is a Linear.</summary>
    public bool HasLinear
    {
        get
        {
            foreach (ModuleNode node in Modules)
            {
                if (node.IsLinear)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Reads the graph of <paramref name="model"/> (empty when nothing it derives from is described).</summary>
    public static ModuleGraph Read(INamedTypeSymbol model, CancellationToken token)
    {
        var modules = new List<ModuleNode>();
        var visiting = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        AddChildren(model, [], modules, visiting, token);
        return new ModuleGraph(modules);
    }

    /// <summary>The nodes <paramref name="target"/> matches (PEFT's <c>target_modules</c> rule, <see cref="TargetMatcher"/>).</summary>
    public List<ModuleNode> Match(string target)
    {
        var matches = new List<ModuleNode>();
        string[] segments = target.Split('.');
        foreach (ModuleNode node in Modules)
        {
            if (TargetMatcher.Matches(segments, node.Segments))
            {
                matches.Add(node);
            }
        }

        return matches;
    }

    private static void AddChildren(ITypeSymbol type, string[] prefix, List<ModuleNode> modules, HashSet<ITypeSymbol> visiting, CancellationToken token)
    {
        if (prefix.Length >= MaxDepth || !visiting.Add(type.OriginalDefinition))
        {
            return;
        }

        var seen = new HashSet<string>();
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers())
            {
                token.ThrowIfCancellationRequested();
                if (member is IPropertySymbol { IsStatic: false, IsIndexer: false } property &&
                    ModuleName(property) is { } name && seen.Add(name))
                {
                    Add(property.Type, Append(prefix, name), modules, visiting, token);
                }
            }
        }

        visiting.Remove(type.OriginalDefinition);
    }

    private static void Add(ITypeSymbol type, string[] path, List<ModuleNode> modules, HashSet<ITypeSymbol> visiting, CancellationToken token)
    {
        if (LinearElementType(type) is { } elementType)
        {
            modules.Add(new ModuleNode(path, type.Name, elementType));
            return;
        }

        modules.Add(new ModuleNode(path, type.Name, null));
        if (ModuleListElement(type) is { } element)
        {
            Add(element, Append(path, IndexSegment), modules, visiting, token);
        }
        else
        {
            AddChildren(type, path, modules, visiting, token);
        }
    }

    /// <summary>The name of <c>[ModuleName("…")]</c> on <paramref name="property"/> (or on the property it overrides), or null.</summary>
    private static string? ModuleName(IPropertySymbol property)
    {
        for (IPropertySymbol? current = property; current is not null; current = current.OverriddenProperty)
        {
            foreach (AttributeData attribute in current.GetAttributes())
            {
                if (attribute.AttributeClass is { Name: "ModuleNameAttribute" } type && IsPeftNamespace(type.ContainingNamespace) &&
                    attribute.ConstructorArguments is [{ Value: string name }] && name.Length != 0 && name.IndexOf('.') < 0)
                {
                    return name;
                }
            }
        }

        return null;
    }

    /// <summary><c>float</c> or <c>double</c> when <paramref name="type"/> is (or derives from) <c>Peft.Linear&lt;T&gt;</c>, else null.</summary>
    public static string? LinearElementType(ITypeSymbol type)
    {
        for (INamedTypeSymbol? current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (current is { Name: "Linear", Arity: 1 } && IsPeftNamespace(current.ContainingNamespace))
            {
                return current.TypeArguments[0].SpecialType switch
                {
                    SpecialType.System_Single => "float",
                    SpecialType.System_Double => "double",
                    _ => "",
                };
            }
        }

        return null;
    }

    /// <summary>T when <paramref name="type"/> is (or derives from) <c>Peft.ModuleList&lt;T&gt;</c>.</summary>
    private static ITypeSymbol? ModuleListElement(ITypeSymbol type)
    {
        for (INamedTypeSymbol? current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (current is { Name: "ModuleList", Arity: 1 } && IsPeftNamespace(current.ContainingNamespace))
            {
                return current.TypeArguments[0];
            }
        }

        return null;
    }

    private static bool IsPeftNamespace(INamespaceSymbol? ns) =>
        ns is { Name: "Peft", ContainingNamespace.IsGlobalNamespace: true };

    private static string[] Append(string[] prefix, string segment)
    {
        var path = new string[prefix.Length + 1];
        prefix.CopyTo(path, 0);
        path[prefix.Length] = segment;
        return path;
    }
}
