using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>PEFT0006: dropout keeps an input with probability 1 − p and scales it by 1/(1 − p), so p ∈ [0, 1).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoRADropoutAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(InvalidDropout);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, _, attribute, method) =>
        {
            if (method.FindArgument("Dropout") is not { } rule || !AttributeArguments.TryGetDouble(attribute, "Dropout", out double dropout))
            {
                return;
            }

            // The shared rule is written so that NaN fails it.
            if (!rule.IsValid(dropout))
            {
                AdapterAnalysis.Report(symbolContext, InvalidDropout, attribute, "Dropout", symbolContext.Symbol.Name, AttributeArguments.Format(dropout));
            }
        }, includeClasses: true);
    }
}
