using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0022: the <c>[VeRA]</c> layers of one model share one pair of projections, so they take the rank and the
/// projection key of the first VeRA member of the type (declaration order); every later one that differs is reported
/// on the differing argument (defaults from the shared description when unwritten).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class VeRAProjectionsAnalyzer : DiagnosticAnalyzer
{
    private static readonly string[] Shared = [VeRAMethod.Rank.Name, VeRAMethod.ProjectionPrngKey.Name];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(VeRAProjectionsDiffer);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, symbols, attribute, method) =>
        {
            if (method.Method != AdapterMethod.VeRA || symbolContext.Symbol.ContainingType is not { } type)
            {
                return;
            }

            foreach (ISymbol member in type.GetMembers())
            {
                if (symbols.FindFirstAdapter(member.GetAttributes(), out AttributeData? first) is not { Method: AdapterMethod.VeRA } || first is null)
                {
                    continue;
                }

                if (SymbolEqualityComparer.Default.Equals(member, symbolContext.Symbol))
                {
                    return; // this is the first VeRA member: the others are compared with it
                }

                foreach (string name in Shared)
                {
                    int value = Value(attribute, name), expected = Value(first, name);
                    if (value != expected)
                    {
                        AdapterAnalysis.Report(symbolContext, VeRAProjectionsDiffer, attribute, name, symbolContext.Symbol.Name, name, value, member.Name, expected);
                    }
                }

                return;
            }
        });
    }

    private static int Value(AttributeData attribute, string name) =>
        AttributeArguments.TryGetInt32(attribute, name, out int written) ? written : (int)VeRAMethod.Info.FindArgument(name)!.Default;
}
