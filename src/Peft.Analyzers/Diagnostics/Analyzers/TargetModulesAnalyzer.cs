using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using Peft.ModuleAnalysis;
using Peft.TargetModules;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0040–PEFT0042: class-level adapter attributes (<c>[LoRA(TargetModules = ["q_proj", "v_proj"])]</c> on a class
/// deriving from a library model). The targets are checked against the model's module graph by the same
/// <see cref="TargetCheck"/> the generator resolves them with, so every attribute the generator leaves out is reported
/// here: a name matching no Linear (with the nearest names by edit distance), a layer claimed by two attributes, and
/// a class or list the generator cannot serve. <c>TargetModules</c> on a member attribute is reported too.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TargetModulesAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic property holding the did-you-mean replacement of PEFT0040 (read by the code fix).</summary>
    public const string SuggestionProperty = "Suggestion";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(UnmatchedTargetModule, TargetModuleClaimedTwice, UnservableClassAdapter);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.Register(context, static (start, symbols) =>
        {
            start.RegisterSymbolAction(symbolContext => AnalyzeClass(symbolContext, symbols), SymbolKind.NamedType);
            start.RegisterSymbolAction(symbolContext => AnalyzeMember(symbolContext, symbols), SymbolKind.Field, SymbolKind.Property);
        });
    }

    /// <summary>On a member, the member is the target: <c>TargetModules</c> there is ignored by the generator.</summary>
    private static void AnalyzeMember(SymbolAnalysisContext context, PeftSymbols symbols)
    {
        foreach (AttributeData attribute in context.Symbol.GetAttributes())
        {
            if (symbols.GetMethod(attribute) is { } method && TargetModulesArgument.IsSet(attribute))
            {
                AdapterAnalysis.Report(context, UnservableClassAdapter, attribute, TargetModulesArgument.Name,
                    method.AttributeName, context.Symbol.Name,
                    "TargetModules belongs on a class-level attribute; on a field or property the member itself is the target");
            }
        }
    }

    private static void AnalyzeClass(SymbolAnalysisContext context, PeftSymbols symbols)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var attributes = new List<(AttributeData Attribute, AdapterMethodInfo Method)>();
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (symbols.GetMethod(attribute) is { } method)
            {
                attributes.Add((attribute, method));
            }
        }

        if (attributes.Count == 0)
        {
            return;
        }

        if (ClassProblem(type, symbols, context) is { } problem)
        {
            foreach (var (attribute, method) in attributes)
            {
                AdapterAnalysis.Report(context, UnservableClassAdapter, attribute, null, method.AttributeName, type.Name, problem);
            }

            return;
        }

        var served = new List<(AttributeData Attribute, AdapterMethodInfo Method)>();
        var targets = new List<IReadOnlyList<string>>();
        foreach (var (attribute, method) in attributes)
        {
            if (TargetModulesArgument.TryRead(attribute, out List<string> names, out string reason))
            {
                served.Add((attribute, method));
                targets.Add(names);
            }
            else
            {
                AdapterAnalysis.Report(context, UnservableClassAdapter, attribute,
                    TargetModulesArgument.IsSet(attribute) ? TargetModulesArgument.Name : null, method.AttributeName, type.Name, reason);
            }
        }

        ModuleGraph graph = ModuleGraph.Read(type, context.CancellationToken);
        string model = type.BaseType?.Name ?? type.Name;
        foreach (TargetProblem found in TargetCheck.Check(graph, targets, out _))
        {
            var (attribute, method) = served[found.Attribute];
            string target = targets[found.Attribute][found.Target];
            Location location = AttributeArguments.GetElementLocation(attribute, TargetModulesArgument.Name, found.Target, type, context.CancellationToken);
            context.ReportDiagnostic(found.Kind switch
            {
                TargetProblemKind.NoLinear => Diagnostic.Create(UnmatchedTargetModule, location,
                    found.Suggestion is { } suggestion ? ImmutableDictionary<string, string?>.Empty.Add(SuggestionProperty, suggestion) : null,
                    target, model, found.Detail),
                TargetProblemKind.ClaimedTwice => Diagnostic.Create(TargetModuleClaimedTwice, location,
                    target, method.AttributeName, found.Detail, served[found.OtherAttribute].Method.AttributeName, found.OtherTarget),
                _ => Diagnostic.Create(UnservableClassAdapter, location, method.AttributeName, type.Name,
                    $"'{target}' matches {found.Detail}, a Linear whose element type is not that of the attribute's other targets (one attribute's kernels share float or double)"),
            });
        }
    }

    /// <summary>Why no class-level attribute of <paramref name="type"/> can be served, or null.</summary>
    private static string? ClassProblem(INamedTypeSymbol type, PeftSymbols symbols, SymbolAnalysisContext context)
    {
        if (!ModuleSymbols.IsModuleClass(type))
        {
            return $"'{type.Name}' is not a class deriving from Peft.Module (derive it from a library model such as Peft.Models.LlamaForCausalLM)";
        }

        if (!ModuleSymbols.IsPartial(type, context.CancellationToken))
        {
            return $"'{type.Name}' must be partial: the generator adds AttachAdapters to it";
        }

        if (ModuleSymbols.NonPartialContainer(type, context.CancellationToken) is { } container)
        {
            return $"its containing type '{container.Name}' must be partial";
        }

        foreach (ISymbol member in type.GetMembers())
        {
            if (member is IFieldSymbol or IPropertySymbol && symbols.FindFirstAdapter(member.GetAttributes(), out _) is not null)
            {
                return $"'{type.Name}' also has adapter attributes on its members ('{member.Name}'); use class-level or member attributes, not both";
            }
        }

        return null;
    }
}
