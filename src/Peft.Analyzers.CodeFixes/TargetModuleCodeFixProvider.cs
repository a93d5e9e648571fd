using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Peft.Analyzers.Diagnostics;
using Peft.Analyzers.Diagnostics.Analyzers;

namespace Peft.Analyzers.CodeFixes;

/// <summary>
/// Fixes PEFT0040's did-you-mean: <c>TargetModules = ["q_prj"]</c> becomes <c>TargetModules = ["q_proj"]</c>, the
/// nearest Linear name the analyzer found (by edit distance).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TargetModuleCodeFixProvider))]
[Shared]
public sealed class TargetModuleCodeFixProvider : CodeFixProvider
{
    /// <summary>One equivalence key for every suggestion, so that Fix All applies each diagnostic's own suggestion.</summary>
    internal const string EquivalenceKey = nameof(TargetModuleCodeFixProvider);

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnmatchedTargetModuleId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // The analyzer reports the string literal of the unmatched name, with the suggestion as a property.
            if (!diagnostic.Properties.TryGetValue(TargetModulesAnalyzer.SuggestionProperty, out string? suggestion) || suggestion is null ||
                root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not LiteralExpressionSyntax literal ||
                !literal.IsKind(SyntaxKind.StringLiteralExpression))
            {
                continue;
            }

            string title = $"Use '{suggestion}'";
            context.RegisterCodeFix(
                CodeAction.Create(title, token => ReplaceAsync(context.Document, literal, suggestion, token), equivalenceKey: EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, LiteralExpressionSyntax literal, string suggestion, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        ExpressionSyntax replacement = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(suggestion))
            .WithTriviaFrom(literal);
        return document.WithSyntaxRoot(root.ReplaceNode(literal, replacement));
    }
}
