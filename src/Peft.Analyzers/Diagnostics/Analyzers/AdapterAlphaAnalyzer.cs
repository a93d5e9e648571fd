using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0005: LoRA and LoRA+ scale the adapter by s = α/r (rsLoRA α/√r). PEFT accepts any α; NaN and ±∞ turn
/// every output into NaN or ±∞, so α must be finite (the rule of the shared description, <c>LoRAMethod.Alpha</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AdapterAlphaAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(InvalidAlpha);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, _, attribute, method) =>
        {
            // Methods without α (MoRA) have no such argument.
            if (method.FindArgument("Alpha") is not { } rule || !AttributeArguments.TryGetDouble(attribute, "Alpha", out double alpha))
            {
                return;
            }

            if (!rule.IsValid(alpha))
            {
                AdapterAnalysis.Report(symbolContext, InvalidAlpha, attribute, "Alpha", method.AttributeName, symbolContext.Symbol.Name, AttributeArguments.Format(alpha));
            }
        }, includeClasses: true);
    }
}
