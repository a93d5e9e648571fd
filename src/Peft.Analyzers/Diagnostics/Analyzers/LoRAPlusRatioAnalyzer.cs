using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0001 / PEFT0002: LoRA+ trains B at <c>lr·Ratio</c> and A at <c>lr</c>, so the ratio must be
/// finite and ≥ 1 (error); above 64 training was unstable in the paper's ablation (warning).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoRAPlusRatioAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(InvalidLoRAPlusRatio, LargeLoRAPlusRatio);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, _, attribute, method) =>
        {
            if (method.FindArgument("Ratio") is not { } rule || !AttributeArguments.TryGetDouble(attribute, "Ratio", out double ratio))
            {
                return;
            }

            // The shared rule rejects NaN, +∞ and values below 1.
            if (!rule.IsValid(ratio))
            {
                AdapterAnalysis.Report(symbolContext, InvalidLoRAPlusRatio, attribute, "Ratio", symbolContext.Symbol.Name, AttributeArguments.Format(ratio));
            }
            else if (ratio > LoRAPlusMethod.LargestStableRatio)
            {
                AdapterAnalysis.Report(symbolContext, LargeLoRAPlusRatio, attribute, "Ratio", symbolContext.Symbol.Name, AttributeArguments.Format(ratio));
            }
        }, includeClasses: true);
    }
}
