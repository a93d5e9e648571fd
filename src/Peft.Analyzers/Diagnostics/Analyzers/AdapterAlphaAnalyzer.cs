using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>PEFT0005: LoRA and LoRA+ scale the adapter by s = α/r (rsLoRA α/√r), so α must be positive and finite.</summary>
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
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, _, attribute, kind) =>
        {
            // MoRA has no α.
            if (kind == AdapterKind.MoRA || !AttributeArguments.TryGetDouble(attribute, "Alpha", out double alpha))
            {
                return;
            }

            // !(α > 0) also catches NaN.
            if (!(alpha > 0) || double.IsInfinity(alpha))
            {
                AdapterAnalysis.Report(symbolContext, InvalidAlpha, attribute, "Alpha", AttributeArguments.ShortName(kind), symbolContext.Symbol.Name, AttributeArguments.Format(alpha));
            }
        });
    }
}
