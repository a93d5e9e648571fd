using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0017: LoKr's <c>DecomposeFactor</c> is −1 or at least 1 (the argument's rule), and a positive factor divides both
/// widths of a layer whose shape is a constant (<c>LoKrMethod.FactorDivides</c>, the shape rule of the shared description).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoKrFactorAnalyzer : DiagnosticAnalyzer
{
    private const string Argument = "DecomposeFactor";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(InvalidLoKrFactor);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.Register(context, static (start, symbols) =>
        {
            // The argument's own rule, on every annotated member.
            start.RegisterSymbolAction(
                symbolContext =>
                {
                    foreach (AttributeData attribute in symbolContext.Symbol.GetAttributes())
                    {
                        if (symbols.GetMethod(attribute)?.FindArgument(Argument) is { } rule &&
                            AttributeArguments.TryGetInt32(attribute, Argument, out int factor) && !rule.IsValid(factor))
                        {
                            AdapterAnalysis.Report(symbolContext, InvalidLoKrFactor, attribute, Argument, symbolContext.Symbol.Name, factor,
                                "use -1 (split near √width) or a factor ≥ 1");
                        }
                    }
                },
                SymbolKind.Field,
                SymbolKind.Property);

            // The shape rule, where the member's initializer gives a constant shape.
            start.RegisterOperationAction(
                operationContext =>
                {
                    var initializer = (ISymbolInitializerOperation)operationContext.Operation;
                    ImmutableArray<ISymbol> members = initializer switch
                    {
                        IPropertyInitializerOperation property => property.InitializedProperties.CastArray<ISymbol>(),
                        IFieldInitializerOperation field => field.InitializedFields.CastArray<ISymbol>(),
                        _ => ImmutableArray<ISymbol>.Empty,
                    };
                    foreach (ISymbol member in members)
                    {
                        AnalyzeShape(operationContext, symbols, member, initializer.Value);
                    }
                },
                OperationKind.PropertyInitializer,
                OperationKind.FieldInitializer);
        });
    }

    private static void AnalyzeShape(OperationAnalysisContext context, PeftSymbols symbols, ISymbol member, IOperation value)
    {
        AdapterMethodInfo? method = symbols.FindFirstAdapter(member.GetAttributes(), out AttributeData? attribute);
        if (method?.Method != AdapterMethod.LoKr || attribute is null ||
            !AttributeArguments.TryGetInt32(attribute, Argument, out int factor) || factor < 1 ||
            !RankAboveLayerWidthAnalyzer.TryGetConstantShape(symbols, value, out int inFeatures, out int outFeatures) ||
            inFeatures < 1 || outFeatures < 1 || LoKrMethod.FactorDivides(factor, inFeatures, outFeatures))
        {
            return;
        }

        Location location = AttributeArguments.GetLocation(attribute, Argument, member, context.CancellationToken);
        context.ReportDiagnostic(Diagnostic.Create(InvalidLoKrFactor, location, member.Name, factor,
            $"it must divide both widths of the {inFeatures}→{outFeatures} layer"));
    }
}
