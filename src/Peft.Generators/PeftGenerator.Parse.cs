using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Peft.Generators.Helpers;
using Peft.Generators.Models;

namespace Peft.Generators;

/// <summary>Extraction: annotated member symbols → <see cref="LayerTarget"/> values (nothing else leaves this file).</summary>
public sealed partial class PeftGenerator
{
    /// <summary>Properties and field variables are the only members an adapter attribute can annotate.</summary>
    private static bool IsCandidateMember(SyntaxNode node) =>
        node is PropertyDeclarationSyntax or VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax };

    /// <summary>
    /// Reads one annotated member. Returns <see langword="null"/> for anything the generator cannot
    /// specialize correctly — the analyzers report why; the generator stays silent.
    /// </summary>
    private static LayerTarget? ParseLayer(GeneratorAttributeSyntaxContext context, AdapterKind kind, CancellationToken token)
    {
        // A duplicated attribute (CS0579) or broken syntax anywhere on the member (for a field, on the
        // whole declaration with its attribute lists): no output.
        SyntaxNode declaration = context.TargetNode is VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax fieldDeclaration }
            ? fieldDeclaration
            : context.TargetNode;
        if (context.Attributes.Length != 1 || declaration.ContainsDiagnostics)
        {
            return null;
        }

        ISymbol member = context.TargetSymbol;
        if (member.IsStatic || member.ContainingType is not { } model)
        {
            return null;
        }

        ITypeSymbol? memberType = member switch
        {
            IPropertySymbol { IsIndexer: false, GetMethod: not null } property => property.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        };
        string? elementType = memberType is null ? null : LinearElementType(memberType);
        if (elementType is null || !IsPartialModel(model, token))
        {
            return null;
        }

        LayerInfo? layer = ReadAttribute(context.Attributes[0], kind, token);
        if (layer is null)
        {
            return null;
        }

        (int inFeatures, int outFeatures) = ReadConstantShape(context.SemanticModel, context.TargetNode, token);
        if (inFeatures < 0 || outFeatures < 0)
        {
            return null;
        }

        layer = layer with
        {
            MemberName = member.Name,
            DeclarationIndex = model.GetMembers().IndexOf(member),
            ElementType = elementType,
            InFeatures = inFeatures,
            OutFeatures = outFeatures,
        };
        if (layer.HasConstantShape && !AdapterMath.FitsShape(layer))
        {
            return null;
        }

        token.ThrowIfCancellationRequested();
        return new LayerTarget(ReadHierarchy(model), layer);
    }

    /// <summary><c>float</c> or <c>double</c> when <paramref name="type"/> is (or derives from) <c>Peft.Linear&lt;T&gt;</c>.</summary>
    private static string? LinearElementType(ITypeSymbol type)
    {
        for (INamedTypeSymbol? current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (current is { Name: "Linear", Arity: 1 } && IsPeftNamespace(current.ContainingNamespace))
            {
                return current.TypeArguments[0].SpecialType switch
                {
                    SpecialType.System_Single => "float",
                    SpecialType.System_Double => "double",
                    _ => null,
                };
            }
        }

        return null;
    }

    /// <summary>The model must be a class deriving from <c>Peft.Module</c>, and it and every containing type must be partial.</summary>
    private static bool IsPartialModel(INamedTypeSymbol model, CancellationToken token)
    {
        if (model.TypeKind != TypeKind.Class || !DerivesFromModule(model))
        {
            return false;
        }

        for (INamedTypeSymbol? type = model; type is not null; type = type.ContainingType)
        {
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(token) is not TypeDeclarationSyntax declaration ||
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool DerivesFromModule(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current is { Name: "Module", Arity: 0 } && IsPeftNamespace(current.ContainingNamespace))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPeftNamespace(INamespaceSymbol? ns) =>
        ns is { Name: "Peft", ContainingNamespace.IsGlobalNamespace: true };

    /// <summary>
    /// Reads the attribute's named arguments. Every argument written in source must have bound to a
    /// constant of the expected type; otherwise (non-constant, misspelt, wrong type) there is no output.
    /// </summary>
    private static LayerInfo? ReadAttribute(AttributeData attribute, AdapterKind kind, CancellationToken token)
    {
        if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length != 0)
        {
            return null;
        }

        if (attribute.ApplicationSyntaxReference?.GetSyntax(token) is not AttributeSyntax syntax ||
            (syntax.ArgumentList?.Arguments.Count ?? 0) != attribute.NamedArguments.Length)
        {
            return null;
        }

        // The attribute classes' defaults (Peft.Runtime/Attributes).
        var layer = new LayerInfo(
            MemberName: "",
            DeclarationIndex: 0,
            ElementType: "float",
            Kind: kind,
            Rank: 8,
            Alpha: 8,
            UseRsLoRA: false,
            Dropout: 0,
            Init: 0,
            Ratio: 16,
            MoRAType: 1,
            InFeatures: 0,
            OutFeatures: 0);

        foreach (var argument in attribute.NamedArguments)
        {
            TypedConstant value = argument.Value;
            if (value.Kind == TypedConstantKind.Error || value.IsNull)
            {
                return null;
            }

            LayerInfo? updated = (argument.Key, value.Value) switch
            {
                ("Rank", int rank) => layer with { Rank = rank },
                ("Alpha", double alpha) when kind != AdapterKind.MoRA => layer with { Alpha = alpha },
                ("UseRsLoRA", bool rs) when kind == AdapterKind.LoRA => layer with { UseRsLoRA = rs },
                ("Dropout", double dropout) when kind == AdapterKind.LoRA => layer with { Dropout = dropout },
                ("Init", int init) when kind == AdapterKind.LoRA => layer with { Init = init },
                ("Ratio", double ratio) when kind == AdapterKind.LoRAPlus => layer with { Ratio = ratio },
                ("Type", int type) when kind == AdapterKind.MoRA => layer with { MoRAType = type },
                _ => null,
            };
            if (updated is null)
            {
                return null;
            }

            layer = updated;
        }

        return AdapterMath.IsValidConfiguration(layer) ? layer : null;
    }

    /// <summary>
    /// The layer's sizes when its initializer is <c>new(in, out, …)</c> / <c>new Linear(in, out, …)</c>
    /// with constant sizes: (in, out); (0, 0) when unknown; (-1, -1) for constants that are not positive.
    /// </summary>
    private static (int In, int Out) ReadConstantShape(SemanticModel semanticModel, SyntaxNode member, CancellationToken token)
    {
        ExpressionSyntax? initializer = member switch
        {
            PropertyDeclarationSyntax property => property.Initializer?.Value,
            VariableDeclaratorSyntax variable => variable.Initializer?.Value,
            _ => null,
        };
        if (initializer is null)
        {
            return (0, 0);
        }

        IOperation? operation = semanticModel.GetOperation(initializer, token);
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        if (operation is not IObjectCreationOperation creation)
        {
            return (0, 0);
        }

        int? inFeatures = null, outFeatures = null;
        foreach (IArgumentOperation argument in creation.Arguments)
        {
            if (argument.Value.ConstantValue is not { HasValue: true, Value: int size })
            {
                continue;
            }

            switch (argument.Parameter?.Name)
            {
                case "inFeatures":
                    inFeatures = size;
                    break;
                case "outFeatures":
                    outFeatures = size;
                    break;
            }
        }

        if (inFeatures is not { } inSize || outFeatures is not { } outSize)
        {
            return (0, 0);
        }

        return inSize > 0 && outSize > 0 ? (inSize, outSize) : (-1, -1);
    }

    private static HierarchyInfo ReadHierarchy(INamedTypeSymbol model)
    {
        var types = ImmutableArray.CreateBuilder<TypeDeclarationInfo>();
        for (INamedTypeSymbol? type = model; type is not null; type = type.ContainingType)
        {
            string typeParameters = type.TypeParameters.Length == 0
                ? ""
                : "<" + string.Join(", ", type.TypeParameters.Select(static p => p.Name)) + ">";
            types.Insert(0, new TypeDeclarationInfo(Keyword(type), type.Name, typeParameters) { MetadataName = type.MetadataName });
        }

        string ns = model.ContainingNamespace.IsGlobalNamespace
            ? ""
            : model.ContainingNamespace.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Substring("global::".Length);
        return new HierarchyInfo(ns, new EquatableArray<TypeDeclarationInfo>(types.ToImmutable()));
    }

    /// <summary>The declaration keywords of a partial part, for example <c>static partial class</c>.</summary>
    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "partial record struct",
        { IsRecord: true } => "partial record",
        { TypeKind: TypeKind.Interface } => "partial interface",
        { TypeKind: TypeKind.Struct, IsRefLikeType: true } => "ref partial struct",
        { TypeKind: TypeKind.Struct } => "partial struct",
        { IsStatic: true } => "static partial class",
        _ => "partial class",
    };
}
