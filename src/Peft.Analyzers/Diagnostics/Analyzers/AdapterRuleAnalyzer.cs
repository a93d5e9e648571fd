using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.Analyzers.Symbols;
using Peft.Methods;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0020–PEFT0022: the argument ranges and cross-argument rules a method's shared description names with these ids
/// (AdaLoRA: <c>0 ≤ TargetRank &lt; Rank</c>; <c>Tinit + Tfinal &lt; TotalSteps</c>, <c>DeltaT ≥ 1</c>; betas in (0, 1),
/// <c>OrthRegWeight ≥ 0</c>). Unwritten arguments take their defaults, so a missing <c>TotalSteps</c> is reported too.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AdapterRuleAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(AdaLoRATargetRank, AdaLoRASchedule, AdaLoRAHyperparameter);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.RegisterForEachAdapter(context, (symbolContext, _, attribute, method) =>
        {
            double Value(string name)
            {
                AdapterArgument argument = method.FindArgument(name)!;
                return argument.Kind == AdapterArgumentKind.Double
                    ? AttributeArguments.TryGetDouble(attribute, name, out double number) ? number : argument.Default
                    : AttributeArguments.TryGetInt32(attribute, name, out int integer) ? integer : argument.Default;
            }

            bool rangesHold = true;
            foreach (AdapterArgument argument in method.Arguments)
            {
                if (Supported(argument.DiagnosticId) is { } descriptor && !argument.IsValid(Value(argument.Name)))
                {
                    rangesHold = false;
                    AdapterAnalysis.Report(symbolContext, descriptor, attribute, argument.Name,
                        method.DisplayName, argument.Name, symbolContext.Symbol.Name, AttributeArguments.Format(Value(argument.Name)), $"it must be {argument.ValidValues}");
                }
            }

            // A rule over several arguments is judged once each of them is in range.
            if (rangesHold && method.BrokenRule(Value) is { } rule && Supported(rule.DiagnosticId) is { } ruleDescriptor)
            {
                AdapterAnalysis.Report(symbolContext, ruleDescriptor, attribute, rule.Argument,
                    method.DisplayName, rule.Argument, symbolContext.Symbol.Name, AttributeArguments.Format(Value(rule.Argument)), $"{method.DisplayName} needs {rule.Text}");
            }
        });
    }

    private DiagnosticDescriptor? Supported(string? id)
    {
        foreach (DiagnosticDescriptor descriptor in SupportedDiagnostics)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        return null;
    }
}
