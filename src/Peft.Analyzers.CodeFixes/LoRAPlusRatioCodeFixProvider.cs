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

namespace Peft.Analyzers.CodeFixes;

/// <summary>
/// Fixes PEFT0001 (and the PEFT0002 warning) by setting the LoRA+ ratio to the paper's default:
/// <c>Ratio = 0.5</c> becomes <c>Ratio = 16</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LoRAPlusRatioCodeFixProvider))]
[Shared]
public sealed class LoRAPlusRatioCodeFixProvider : CodeFixProvider
{
    /// <summary>The value the fix writes: the LoRA+ paper's default ratio.</summary>
    internal const int DefaultRatio = 16;

    /// <summary>The fix's title, also its equivalence key (so Fix All groups it).</summary>
    internal const string Title = "Set Ratio = 16";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.InvalidLoRAPlusRatioId,
        DiagnosticDescriptors.LargeLoRAPlusRatioId);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // The analyzer reports the whole `Ratio = value` argument.
            if (root?.FindNode(diagnostic.Location.SourceSpan) is not AttributeArgumentSyntax { NameEquals: not null } argument)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => SetDefaultRatioAsync(context.Document, argument, cancellationToken),
                    equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> SetDefaultRatioAsync(Document document, AttributeArgumentSyntax argument, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        ExpressionSyntax ratio = SyntaxFactory.LiteralExpression(
                SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(DefaultRatio))
            .WithTriviaFrom(argument.Expression);
        return document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, ratio));
    }
}
