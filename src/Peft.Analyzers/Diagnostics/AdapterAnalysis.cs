using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;

namespace Peft.Analyzers.Diagnostics;

/// <summary>
/// The registration every Peft analyzer shares: the Peft types resolved once per compilation,
/// and nothing registered for a compilation that does not reference Peft.Runtime. (Each
/// analyzer's <c>Initialize</c> enables concurrent execution and turns off generated-code
/// analysis itself, where RS1025 / RS1026 can see it.)
/// </summary>
internal static class AdapterAnalysis
{
    /// <summary>Called once per adapter attribute on a field or property.</summary>
    public delegate void AdapterCallback(SymbolAnalysisContext context, PeftSymbols symbols, AttributeData attribute, AdapterMethodInfo method);

    /// <summary>Runs <paramref name="register"/> once per compilation that sees the adapter attributes.</summary>
    public static void Register(AnalysisContext context, Action<CompilationStartAnalysisContext, PeftSymbols> register)
    {
        context.RegisterCompilationStartAction(start =>
        {
            if (PeftSymbols.TryCreate(start.Compilation, out PeftSymbols symbols))
            {
                register(start, symbols);
            }
        });
    }

    /// <summary>
    /// Runs <paramref name="callback"/> for every adapter attribute on every field and property.
    /// The scan compares attribute classes by reference and allocates nothing for members
    /// without adapters.
    /// </summary>
    /// <param name="context">The analysis context.</param>
    /// <param name="callback">Called per adapter attribute.</param>
    /// <param name="includeClasses">Also for class-level attributes (<c>[LoRA(TargetModules = …)]</c> on a class): the value rules, which hold there alike.</param>
    public static void RegisterForEachAdapter(AnalysisContext context, AdapterCallback callback, bool includeClasses = false) =>
        Register(context, (start, symbols) => start.RegisterSymbolAction(
            symbolContext =>
            {
                foreach (AttributeData attribute in symbolContext.Symbol.GetAttributes())
                {
                    if (symbols.GetMethod(attribute) is { } method)
                    {
                        callback(symbolContext, symbols, attribute, method);
                    }
                }
            },
            includeClasses ? MemberAndClassKinds : MemberKinds));

    private static readonly ImmutableArray<SymbolKind> MemberKinds = ImmutableArray.Create(SymbolKind.Field, SymbolKind.Property);

    private static readonly ImmutableArray<SymbolKind> MemberAndClassKinds = ImmutableArray.Create(SymbolKind.Field, SymbolKind.Property, SymbolKind.NamedType);

    /// <summary>Reports <paramref name="descriptor"/> at argument <paramref name="argumentName"/> of <paramref name="attribute"/>.</summary>
    public static void Report(
        SymbolAnalysisContext context,
        DiagnosticDescriptor descriptor,
        AttributeData attribute,
        string? argumentName,
        params object[] messageArguments)
    {
        Location location = AttributeArguments.GetLocation(attribute, argumentName, context.Symbol, context.CancellationToken);
        context.ReportDiagnostic(Diagnostic.Create(descriptor, location, messageArguments));
    }
}
