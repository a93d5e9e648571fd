using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Peft.ModuleAnalysis;
using static Peft.Analyzers.Diagnostics.DiagnosticDescriptors;

namespace Peft.Analyzers.Diagnostics.Analyzers;

/// <summary>
/// PEFT0030 / PEFT0031: why the module generator writes no Backward for a partial module class's
/// <c>Tensor&lt;T&gt; Forward(Tensor&lt;T&gt; x)</c>. Runs the analysis the generator runs
/// (src/Shared/ModuleAnalysis) and reports each statement it cannot differentiate, with the reason.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModuleForwardAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(ForwardNotDifferentiable, ModuleCalledTwice);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        AdapterAnalysis.Register(context, static (start, _) => start.RegisterSyntaxNodeAction(AnalyzeMethod, SyntaxKind.MethodDeclaration));
    }

    private static void AnalyzeMethod(SyntaxNodeAnalysisContext context)
    {
        var syntax = (MethodDeclarationSyntax)context.Node;
        if (syntax.Identifier.ValueText != "Forward" ||
            context.SemanticModel.GetDeclaredSymbol(syntax, context.CancellationToken) is not { ContainingType: { } type } method ||
            !ModuleSymbols.IsPartial(type, context.CancellationToken) ||
            ModuleSymbols.NonPartialContainer(type, context.CancellationToken) is not null ||
            ModuleSymbols.FindForward(type, out ITypeSymbol? element) is not { } forward ||
            element is null ||
            !SymbolEqualityComparer.Default.Equals(forward, method.PartialDefinitionPart ?? method))
        {
            return;
        }

        var analysis = ForwardAnalysis.Run(type, forward, element, syntax, context.SemanticModel, context.CancellationToken);
        string name = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
        foreach (ForwardProblem problem in analysis.Problems)
        {
            DiagnosticDescriptor descriptor = problem.Kind == ForwardProblemKind.ModuleCalledTwice ? ModuleCalledTwice : ForwardNotDifferentiable;
            context.ReportDiagnostic(Diagnostic.Create(descriptor, problem.Location, name, problem.Statement, problem.Reason));
        }
    }
}
