using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0007 / PEFT0008: an enum argument cast from a number (<c>Type = (MoRAType)3</c>,
/// <c>Init = (LoRAInit)9</c>) that names no member has no operator or initialisation to generate.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnknownEnumValueAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(UnknownMoRAType, UnknownLoRAInit);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, symbols, attribute, kind) =>
        {
            switch (kind)
            {
                case AdapterKind.MoRA:
                    Check(symbolContext, attribute, "Type", symbols.MoRAType, UnknownMoRAType);
                    break;
                case AdapterKind.LoRA:
                    Check(symbolContext, attribute, "Init", symbols.LoRAInit, UnknownLoRAInit);
                    break;
            }
        });
    }

    private static void Check(
        SymbolAnalysisContext context, AttributeData attribute, string name, EnumValues values, DiagnosticDescriptor descriptor)
    {
        if (values.IsKnownType && AttributeArguments.TryGetInt32(attribute, name, out int value) && !values.IsDefined(value))
        {
            AdapterAnalysis.Report(context, descriptor, attribute, name, context.Symbol.Name, value, values.Names);
        }
    }
}
