using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Peft.Generators.Modules;

/// <summary>
/// Writes, for every <c>partial</c> class deriving from <c>Peft.Module</c>: a <c>RegisterMembers</c> override that
/// registers its module-typed fields and properties as children named after them, and — when it declares
/// <c>Tensor&lt;T&gt; Forward(Tensor&lt;T&gt; x)</c> made of member-module calls and no Backward — the matching
/// <c>Backward</c> (chain rule in reverse) with <c>Peft.ILayer&lt;T&gt;</c>.
/// </summary>
/// <remarks>
/// The pipeline: a cheap syntax test (a partial class with a base list), then a semantic transform to a
/// symbol-free <see cref="Models.ModuleInfo"/> (<c>ModuleGenerator.Parse.cs</c>, with the differentiability
/// analysis of src/Shared/ModuleAnalysis), then one file per class (<c>ModuleGenerator.Emit*.cs</c>). A Forward
/// that cannot be differentiated gets no Backward; the analyzers (PEFT0030…) say why.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class ModuleGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, used by the incrementality tests.</summary>
    public static class TrackingNames
    {
        /// <summary>The transform: one <see cref="Models.ModuleInfo"/> per partial module class.</summary>
        public const string Modules = nameof(Modules);
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var modules = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax { BaseList: not null } declaration &&
                                    declaration.Modifiers.Any(SyntaxKind.PartialKeyword),
                static (syntax, token) => Parse(syntax, token))
            .Where(static module => module is not null)
            .Select(static (module, _) => module!)
            .WithTrackingName(TrackingNames.Modules);

        context.RegisterSourceOutput(modules, static (output, module) =>
            output.AddSource(module.HintName, Emit(module)));
    }
}
