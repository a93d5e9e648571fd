using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0012–PEFT0016: an adapter attribute the source generator cannot serve. The generator emits nothing for
/// such a member (it never throws and never guesses), so without these the only symptom would be CS1061 on
/// <c>AttachAdapters</c>: a model type that is not a class deriving from <c>Peft.Module</c> (PEFT0012), a static
/// member (PEFT0013), a property without a getter or an indexer (PEFT0014), a layer whose element type is not
/// <c>float</c> or <c>double</c> (PEFT0015), or a language version below the C# 12 the generated code is written in (PEFT0016).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnservableAdapterMemberAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The generated code uses <c>file</c> types (C# 11) and collection expressions (C# 12).</summary>
    internal const LanguageVersion RequiredLanguageVersion = LanguageVersion.CSharp12;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        AdapterModelNotModule, StaticAdapterMember, AdapterPropertyWithoutGetter, UnsupportedLayerElementType, LanguageVersionTooLow);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, symbols, attribute, method) =>
        {
            ISymbol member = symbolContext.Symbol;
            string name = method.AttributeName;
            if (member.ContainingType is { } model && !IsModuleClass(model, symbols))
            {
                AdapterAnalysis.Report(symbolContext, AdapterModelNotModule, attribute, null, name, member.Name, model.ToDisplayString());
            }

            if (member.IsStatic)
            {
                AdapterAnalysis.Report(symbolContext, StaticAdapterMember, attribute, null, name, member.Name);
            }

            if (member is IPropertySymbol property && (property.GetMethod is null || property.IsIndexer))
            {
                AdapterAnalysis.Report(symbolContext, AdapterPropertyWithoutGetter, attribute, null, name, member.Name);
            }

            ITypeSymbol? type = member switch
            {
                IPropertySymbol p => p.Type,
                IFieldSymbol f => f.Type,
                _ => null,
            };
            if (type is not null && LinearElementType(type, symbols) is { } element &&
                element.SpecialType is not (SpecialType.System_Single or SpecialType.System_Double))
            {
                AdapterAnalysis.Report(symbolContext, UnsupportedLayerElementType, attribute, null, name, member.Name, type.ToDisplayString(), element.ToDisplayString());
            }

            if (member.DeclaringSyntaxReferences.Length > 0 &&
                member.DeclaringSyntaxReferences[0].SyntaxTree.Options is CSharpParseOptions { LanguageVersion: var version } &&
                version < RequiredLanguageVersion)
            {
                AdapterAnalysis.Report(symbolContext, LanguageVersionTooLow, attribute, null, name, member.Name, version.ToDisplayString());
            }
        });
    }

    private static bool IsModuleClass(INamedTypeSymbol model, PeftSymbols symbols)
    {
        if (model.TypeKind != TypeKind.Class || symbols.Module is null)
        {
            return model.TypeKind == TypeKind.Class;
        }

        for (INamedTypeSymbol? current = model.BaseType; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, symbols.Module))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>T of the <c>Peft.Linear&lt;T&gt;</c> the member's type is or derives from; null for other types (PEFT0010's concern).</summary>
    private static ITypeSymbol? LinearElementType(ITypeSymbol type, PeftSymbols symbols)
    {
        for (INamedTypeSymbol? current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, symbols.GenericLinear))
            {
                return current.TypeArguments[0];
            }
        }

        return null;
    }
}
