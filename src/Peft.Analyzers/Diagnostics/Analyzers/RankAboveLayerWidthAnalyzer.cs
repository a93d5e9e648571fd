using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0004: for the methods built on B·A (<see cref="AdapterMethodInfo.RankIsInnerDimension"/>: LoRA, LoRA+, DoRA), ΔW = s·B·A with B ∈ R^{out×r}, A ∈ R^{r×in} has rank at most
/// min(in, out, r), so r &gt; min(in, out) only adds parameters. The check runs where the layer's
/// shape is a compile-time constant: the member initializer <c>= new(784, 256)</c> or
/// <c>= new Linear(In, Out)</c> with constant arguments. MoRA is exempt: its square matrix
/// r̂ = ⌊√((in+out)·r) + 0.5⌋ is designed to exceed the LoRA rank.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RankAboveLayerWidthAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(RankAboveLayerWidth);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.Register(context, static (start, symbols) => start.RegisterOperationAction(
            operationContext =>
            {
                var initializer = (ISymbolInitializerOperation)operationContext.Operation;
                switch (initializer)
                {
                    case IPropertyInitializerOperation property:
                        foreach (IPropertySymbol member in property.InitializedProperties)
                        {
                            Analyze(operationContext, symbols, member, initializer.Value);
                        }

                        break;
                    case IFieldInitializerOperation field:
                        foreach (IFieldSymbol member in field.InitializedFields)
                        {
                            Analyze(operationContext, symbols, member, initializer.Value);
                        }

                        break;
                }
            },
            OperationKind.PropertyInitializer,
            OperationKind.FieldInitializer));
    }

    private static void Analyze(OperationAnalysisContext context, PeftSymbols symbols, ISymbol member, IOperation value)
    {
        // Cheap test first: most initialized members carry no adapter.
        AdapterMethodInfo? method = symbols.FindFirstAdapter(member.GetAttributes(), out AttributeData? attribute);
        if (method is null || !method.RankIsInnerDimension || attribute is null ||
            !TryGetConstantShape(symbols, value, out int inFeatures, out int outFeatures))
        {
            return;
        }

        // An unset Rank is the attribute's default, 8.
        int rank = AttributeArguments.TryGetInt32(attribute, "Rank", out int written) ? written : (int)method.FindArgument("Rank")!.Default;
        int width = inFeatures < outFeatures ? inFeatures : outFeatures;

        // Non-positive sizes throw in Linear's constructor and ranks below 1 are PEFT0003.
        if (width < 1 || rank <= width)
        {
            return;
        }

        Location location = AttributeArguments.GetLocation(attribute, "Rank", member, context.CancellationToken);
        context.ReportDiagnostic(Diagnostic.Create(
            RankAboveLayerWidth,
            location,
            method.AttributeName,
            member.Name,
            rank,
            width,
            inFeatures,
            outFeatures));
    }

    /// <summary>
    /// Reads <c>inFeatures</c> and <c>outFeatures</c> from a <c>Linear</c> / <c>Linear&lt;T&gt;</c>
    /// construction whose two size arguments are constants (positional or named).
    /// </summary>
    internal static bool TryGetConstantShape(PeftSymbols symbols, IOperation value, out int inFeatures, out int outFeatures)
    {
        inFeatures = 0;
        outFeatures = 0;
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        if (value is not IObjectCreationOperation { Constructor: { } constructor } creation ||
            !symbols.IsSupportedLayer(constructor.ContainingType))
        {
            return false;
        }

        bool haveIn = false, haveOut = false;
        foreach (IArgumentOperation argument in creation.Arguments)
        {
            if (argument.Parameter is null || argument.Value.ConstantValue is not { HasValue: true, Value: int size })
            {
                continue;
            }

            switch (argument.Parameter.Name)
            {
                case "inFeatures":
                    inFeatures = size;
                    haveIn = true;
                    break;
                case "outFeatures":
                    outFeatures = size;
                    haveOut = true;
                    break;
            }
        }

        return haveIn && haveOut;
    }
}
