using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Peft.ModuleAnalysis;

/// <summary>
/// What the module generator and its analyzer agree a module class is: a class deriving from
/// <c>Peft.Module</c>, its members that are modules, and its <c>Forward</c> method when the generator
/// writes a <c>Backward</c> for it. Linked into Peft.Generators and Peft.Analyzers (src/Shared).
/// </summary>
internal static class ModuleSymbols
{
    /// <summary>Whether <paramref name="type"/> is <c>Peft.Module</c> or derives from it (a type parameter: through a constraint).</summary>
    public static bool IsModule(ITypeSymbol? type)
    {
        if (type is ITypeParameterSymbol parameter)
        {
            foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
            {
                if (IsModule(constraint))
                {
                    return true;
                }
            }

            return false;
        }

        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current is { Name: "Module", ContainingNamespace: { Name: "Peft", ContainingNamespace.IsGlobalNamespace: true } } &&
                current is INamedTypeSymbol { Arity: 0 })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A class that derives from <c>Peft.Module</c> (not <c>Module</c> itself).</summary>
    public static bool IsModuleClass(INamedTypeSymbol type) =>
        type.TypeKind == TypeKind.Class && !type.IsStatic && type.BaseType is { } baseType && IsModule(baseType);

    /// <summary>Whether a declaration of <paramref name="type"/> carries <c>partial</c> (the compiler requires it on all if on one). Also PEFT0011's test.</summary>
    public static bool IsPartial(INamedTypeSymbol type, CancellationToken token)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(token) is TypeDeclarationSyntax declaration &&
                declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The innermost containing type of <paramref name="type"/> that is not partial, or null.</summary>
    public static INamedTypeSymbol? NonPartialContainer(INamedTypeSymbol type, CancellationToken token)
    {
        for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            if (!IsPartial(container, token))
            {
                return container;
            }
        }

        return null;
    }

    /// <summary>
    /// The instance fields and readable properties declared in <paramref name="type"/> whose type is a
    /// module, in declaration order: the children the generated <c>RegisterMembers</c> registers.
    /// </summary>
    public static List<ISymbol> ModuleMembers(INamedTypeSymbol type)
    {
        var members = new List<ISymbol>();
        foreach (ISymbol member in type.GetMembers())
        {
            ITypeSymbol? memberType = member switch
            {
                IFieldSymbol { IsStatic: false, IsImplicitlyDeclared: false, AssociatedSymbol: null } field => field.Type,
                IPropertySymbol { IsStatic: false, IsIndexer: false, GetMethod: not null, RefKind: RefKind.None } property => property.Type,
                _ => null,
            };
            if (memberType is not null && IsModule(memberType))
            {
                members.Add(member);
            }
        }

        return members;
    }

    /// <summary>Whether <paramref name="type"/> declares its own <c>RegisterMembers</c> override (then none is generated).</summary>
    public static bool DeclaresRegisterMembers(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers("RegisterMembers"))
        {
            if (member is IMethodSymbol { IsOverride: true, Parameters.Length: 0 } && !member.IsImplicitlyDeclared)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The method the generator writes a <c>Backward</c> for: a public instance <c>Tensor&lt;T&gt; Forward(Tensor&lt;T&gt; x)</c>
    /// declared in a module class that has no <c>Backward</c> (its own or inherited), T float, double or a
    /// type parameter constrained to <c>unmanaged, IBinaryFloatingPointIeee754&lt;T&gt;</c>. Null otherwise.
    /// </summary>
    public static IMethodSymbol? FindForward(INamedTypeSymbol type, out ITypeSymbol? elementType)
    {
        elementType = null;
        if (!IsModuleClass(type) || HasBackward(type))
        {
            return null;
        }

        foreach (ISymbol member in type.GetMembers("Forward"))
        {
            if (member is IMethodSymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public, Parameters.Length: 1, TypeParameters.Length: 0 } method &&
                TensorElement(method.ReturnType) is { } element &&
                SymbolEqualityComparer.Default.Equals(TensorElement(method.Parameters[0].Type), element) &&
                IsFloatingElement(element))
            {
                elementType = element;
                return method;
            }
        }

        return null;
    }

    /// <summary>Whether the generator will write a single-input <c>Backward</c> for <paramref name="type"/> (it is a partial module class with a <see cref="FindForward"/>).</summary>
    public static bool IsGeneratedLayer(ITypeSymbol type, ITypeSymbol elementType, CancellationToken token) =>
        type is INamedTypeSymbol named &&
        FindForward(named, out ITypeSymbol? element) is not null &&
        SymbolEqualityComparer.Default.Equals(element, elementType) &&
        IsPartial(named, token);

    /// <summary>T when <paramref name="type"/> is <c>Peft.Tensor&lt;T&gt;</c>, else null.</summary>
    public static ITypeSymbol? TensorElement(ITypeSymbol? type) =>
        type is INamedTypeSymbol { Name: "Tensor", Arity: 1, ContainingNamespace: { Name: "Peft", ContainingNamespace.IsGlobalNamespace: true } } tensor
            ? tensor.TypeArguments[0]
            : null;

    /// <summary>The element type as generated code spells it: <c>float</c>, <c>double</c> or the type parameter's name.</summary>
    public static string ElementName(ITypeSymbol element) => element.SpecialType switch
    {
        SpecialType.System_Single => "float",
        SpecialType.System_Double => "double",
        _ => element.Name,
    };

    /// <summary>Whether <paramref name="type"/> or a base type has a method named <c>Backward</c>.</summary>
    private static bool HasBackward(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers("Backward"))
            {
                if (member is IMethodSymbol)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>float, double, or a type parameter constrained to <c>unmanaged, IBinaryFloatingPointIeee754&lt;itself&gt;</c>.</summary>
    private static bool IsFloatingElement(ITypeSymbol element)
    {
        if (element.SpecialType is SpecialType.System_Single or SpecialType.System_Double)
        {
            return true;
        }

        if (element is not ITypeParameterSymbol { HasUnmanagedTypeConstraint: true } parameter)
        {
            return false;
        }

        foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
        {
            if (constraint is INamedTypeSymbol { Name: "IBinaryFloatingPointIeee754", Arity: 1 } ieee &&
                SymbolEqualityComparer.Default.Equals(ieee.TypeArguments[0], parameter))
            {
                return true;
            }
        }

        return false;
    }
}
