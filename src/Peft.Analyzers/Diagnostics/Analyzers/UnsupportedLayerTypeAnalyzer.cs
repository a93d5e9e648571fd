using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>PEFT0010: adapters apply to members typed exactly <c>Peft.Linear</c> or <c>Peft.Linear&lt;T&gt;</c>.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnsupportedLayerTypeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(UnsupportedLayerType);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, symbols, attribute, method) =>
        {
            ITypeSymbol? type = symbolContext.Symbol switch
            {
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };

            // An erroneous type already has a compiler error; saying more would be noise.
            if (type is null || type.TypeKind == TypeKind.Error || symbols.IsSupportedLayer(type))
            {
                return;
            }

            AdapterAnalysis.Report(
                symbolContext,
                UnsupportedLayerType,
                attribute,
                argumentName: null,
                method.AttributeName,
                symbolContext.Symbol.Name,
                type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat));
        });
    }
}
