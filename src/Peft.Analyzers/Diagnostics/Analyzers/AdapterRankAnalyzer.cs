using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>PEFT0003: every adapter's rank r is an inner dimension and a divisor (s = α/r), so r ≥ 1.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AdapterRankAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RankBelowOne);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, _, attribute, method) =>
        {
            if (method.FindArgument("Rank") is { } rule && AttributeArguments.TryGetInt32(attribute, "Rank", out int rank) && !rule.IsValid(rank))
            {
                AdapterAnalysis.Report(symbolContext, RankBelowOne, attribute, "Rank", method.AttributeName, symbolContext.Symbol.Name, rank);
            }
        }, includeClasses: true);
    }
}
