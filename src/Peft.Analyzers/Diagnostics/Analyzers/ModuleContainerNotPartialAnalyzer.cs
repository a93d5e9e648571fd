using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.ModuleAnalysis;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0032: a partial module class with module members or a Forward to differentiate, nested in a type
/// that is not partial: the generator cannot add its part, so nothing registers those members.
/// Reported at the class's name, naming the innermost containing type that is not partial.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModuleContainerNotPartialAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(ModuleContainerNotPartial);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.Register(context, static (start, _) => start.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType));
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.ContainingType is null ||
            !ModuleSymbols.IsModuleClass(type) ||
            !ModuleSymbols.IsPartial(type, context.CancellationToken) ||
            ModuleSymbols.NonPartialContainer(type, context.CancellationToken) is not { } container ||
            (ModuleSymbols.ModuleMembers(type).Count == 0 && ModuleSymbols.FindForward(type, out _) is null) ||
            type.Locations.Length == 0)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            ModuleContainerNotPartial,
            type.Locations[0],
            type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat),
            container.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)));
    }
}
