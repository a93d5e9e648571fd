using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0007 / PEFT0008 / PEFT0018: an enum argument cast from a number (<c>Type = (MoRAType)3</c>,
/// <c>Init = (LoRAInit)9</c>) that names no member has no operator or initialisation to generate.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnknownEnumValueAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(UnknownMoRAType, UnknownLoRAInit, UnknownLoKrInit);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, static (symbolContext, _, attribute, method) =>
        {
            foreach (AdapterArgument argument in method.Arguments)
            {
                if (argument.Kind == AdapterArgumentKind.Enum &&
                    AttributeArguments.TryGetInt32(attribute, argument.Name, out int value) &&
                    !argument.IsValid(value) &&
                    DiagnosticDescriptors.Find(argument.DiagnosticId) is { } descriptor)
                {
                    EnumValues values = PeftSymbols.EnumOf(attribute, argument.Name);
                    AdapterAnalysis.Report(symbolContext, descriptor, attribute, argument.Name, symbolContext.Symbol.Name, value, values.Names);
                }
            }
        }, includeClasses: true);
    }
}
