using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Peft.Generators.Helpers;
using Peft.Generators.Models;
using Peft.Generators.Modules.Models;
using Peft.ModuleAnalysis;

namespace Peft.Generators.Modules;

/// <summary>Extraction: a partial class declaration → <see cref="ModuleInfo"/> (nothing symbolic leaves this file).</summary>
public sealed partial class ModuleGenerator
{
    /// <summary>
    /// Reads one partial class. Null when it is not a module class, when it is nested in a type that is
    /// not partial (PEFT0032 says so), when another declaration of it speaks for it (one file per class:
    /// the first declaration with a base list), or when there is nothing to write.
    /// </summary>
    private static ModuleInfo? Parse(GeneratorSyntaxContext context, CancellationToken token)
    {
        var declaration = (ClassDeclarationSyntax)context.Node;
        if (context.SemanticModel.GetDeclaredSymbol(declaration, token) is not INamedTypeSymbol type ||
            !ModuleSymbols.IsModuleClass(type) ||
            !IsFirstDeclarationWithBaseList(type, declaration, token) ||
            ModuleSymbols.NonPartialContainer(type, token) is not null)
        {
            return null;
        }

        string[] members = ModuleSymbols.DeclaresRegisterMembers(type)
            ? []
            : ModuleSymbols.ModuleMembers(type).Select(static member => member.Name).ToArray();
        BackwardInfo? backward = ParseBackward(type, context.SemanticModel, token);
        if (members.Length == 0 && backward is null)
        {
            return null;
        }

        token.ThrowIfCancellationRequested();
        return new ModuleInfo(HierarchyReader.Read(type), new EquatableArray<string>(members), backward);
    }

    private static bool IsFirstDeclarationWithBaseList(INamedTypeSymbol type, ClassDeclarationSyntax declaration, CancellationToken token)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(token) is ClassDeclarationSyntax { BaseList: not null } first)
            {
                return first == declaration;
            }
        }

        return false;
    }

    /// <summary>The Backward to write for the class's Forward, or null (no candidate Forward, or one the analysis rejects).</summary>
    private static BackwardInfo? ParseBackward(INamedTypeSymbol type, SemanticModel semanticModel, CancellationToken token)
    {
        IMethodSymbol? forward = ModuleSymbols.FindForward(type, out ITypeSymbol? element);
        if (forward is null || element is null ||
            (forward.PartialImplementationPart ?? forward).DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(token) is not MethodDeclarationSyntax syntax)
        {
            return null;
        }

        SemanticModel model = syntax.SyntaxTree == semanticModel.SyntaxTree
            ? semanticModel
            : semanticModel.Compilation.GetSemanticModel(syntax.SyntaxTree);
        ForwardGraph? graph = ForwardAnalysis.Run(type, forward, element, syntax, model, token).Graph;
        if (graph is null)
        {
            return null;
        }

        // dL/d(output of Member) lives in _memberOutputGradient, renamed if the class already uses the name.
        var taken = new HashSet<string>(type.MemberNames);
        var fields = new string[graph.Calls.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            if (i + 1 == graph.Result)
            {
                fields[i] = "";
                continue;
            }

            string member = graph.Calls[i].Member.TrimStart('_');
            string name = member.Length == 0 ? "_outputGradient" : "_" + char.ToLowerInvariant(member[0]) + member.Substring(1) + "OutputGradient";
            while (!taken.Add(name))
            {
                name = "_" + name;
            }

            fields[i] = name;
        }

        return new BackwardInfo(graph, new EquatableArray<string>(fields));
    }
}
