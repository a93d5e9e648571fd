using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.ModuleAnalysis;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0011: the generator adds code to the type that declares an adapter layer, as another
/// part nested in every containing type; so that type and all its containing types must be
/// <c>partial</c>. Each non-partial type is reported once, at its name, however many adapter
/// layers it (or the types nested in it) holds.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AdapterTypeNotPartialAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(AdapterTypeNotPartial);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.Register(context, static (start, symbols) => start.RegisterSymbolAction(
            symbolContext =>
            {
                var type = (INamedTypeSymbol)symbolContext.Symbol;
                if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
                {
                    return;
                }

                ISymbol? layer = FindAdapterMember(type, symbols);
                if (layer is null || ModuleSymbols.IsPartial(type, symbolContext.CancellationToken) || type.Locations.Length == 0)
                {
                    return;
                }

                symbolContext.ReportDiagnostic(Diagnostic.Create(
                    AdapterTypeNotPartial,
                    type.Locations[0],
                    type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat),
                    layer.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)));
            },
            SymbolKind.NamedType));
    }

    /// <summary>The first field or property with an adapter in <paramref name="type"/> or a type nested in it.</summary>
    private static ISymbol? FindAdapterMember(INamedTypeSymbol type, PeftSymbols symbols)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (member.Kind is SymbolKind.Field or SymbolKind.Property &&
                symbols.FindFirstAdapter(member.GetAttributes(), out _) is not null)
            {
                return member;
            }
        }

        foreach (INamedTypeSymbol nested in type.GetTypeMembers())
        {
            if (FindAdapterMember(nested, symbols) is { } member)
            {
                return member;
            }
        }

        return null;
    }
}
