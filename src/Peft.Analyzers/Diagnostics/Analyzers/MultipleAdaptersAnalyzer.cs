using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0009: a layer takes one adapter. <c>AllowMultiple = false</c> already stops two copies of the
/// same attribute; this catches two different ones (<c>[LoRA] [MoRA]</c>). Every adapter after
/// the first is reported.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MultipleAdaptersAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(MultipleAdapters);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, symbols, attribute, method) =>
        {
            AdapterMethodInfo? firstMethod = symbols.FindFirstAdapter(symbolContext.Symbol.GetAttributes(), out AttributeData? first);
            if (!ReferenceEquals(first, attribute))
            {
                AdapterAnalysis.Report(
                    symbolContext,
                    MultipleAdapters,
                    attribute,
                    argumentName: null,
                    symbolContext.Symbol.Name,
                    firstMethod?.AttributeName ?? "",
                    method.AttributeName);
            }
        });
    }
}
