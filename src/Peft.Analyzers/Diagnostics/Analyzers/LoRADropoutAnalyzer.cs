using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0006: every dropout probability of a method's shared description (the arguments whose rule is PEFT0006: LoRA's
/// <c>Dropout</c>, LoHa's and LoKr's <c>RankDropout</c> and <c>ModuleDropout</c>) lies in [0, 1).
/// </summary>
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
            foreach (Peft.Methods.AdapterArgument rule in method.Arguments)
            {
                // The shared rule is written so that NaN fails it.
                if (rule.DiagnosticId == InvalidDropoutId && AttributeArguments.TryGetDouble(attribute, rule.Name, out double dropout) && !rule.IsValid(dropout))
                {
                    AdapterAnalysis.Report(symbolContext, InvalidDropout, attribute, rule.Name,
                        symbolContext.Symbol.Name, AttributeArguments.Format(dropout), method.DisplayName, rule.Name);
                }
            }
        }, includeClasses: true);
    }
}
