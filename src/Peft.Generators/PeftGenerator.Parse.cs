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
using Peft.Methods;
using Peft.TargetModules;

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
    private static LayerTarget? ParseLayer(GeneratorAttributeSyntaxContext context, AdapterMethod method, CancellationToken token)
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

        LayerInfo? layer = ReadAttribute(context.Attributes[0], method, token);
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
            DeclarationIndex = AnnotatedMemberIndex(model, member),
            ElementType = elementType,
            InFeatures = inFeatures,
            OutFeatures = outFeatures,
        };
        if ((layer.HasConstantShape && !layer.FitsShape()) || AdapterMethods.Get(layer.Method).BrokenRule(layer.Argument) is not null)
        {
            return null;
        }

        token.ThrowIfCancellationRequested();
        return new LayerTarget(HierarchyReader.Read(model), layer);
    }

    /// <summary>
    /// The member's position among the model's adapter-annotated members. Unlike its index among all members,
    /// it does not change when an unannotated member is added or removed above it, so such an edit leaves the
    /// layer's value (and the generated file) cached.
    /// </summary>
    private static int AnnotatedMemberIndex(INamedTypeSymbol model, ISymbol member)
    {
        int index = 0;
        foreach (ISymbol other in model.GetMembers())
        {
            if (SymbolEqualityComparer.Default.Equals(other, member))
            {
                break;
            }

            if (other is IPropertySymbol or IFieldSymbol && HasAdapterAttribute(other))
            {
                index++;
            }
        }

        return index;
    }

    private static bool HasAdapterAttribute(ISymbol member)
    {
        foreach (AttributeData attribute in member.GetAttributes())
        {
            if (MethodOf(attribute) is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The adapter method of <paramref name="attribute"/> (<c>Peft.LoRAAttribute</c> → LoRA), or null.</summary>
    private static AdapterMethodInfo? MethodOf(AttributeData attribute)
    {
        if (attribute.AttributeClass is { } type && IsPeftNamespace(type.ContainingNamespace))
        {
            foreach (AdapterMethodInfo method in AdapterMethods.All)
            {
                if (type.Name == method.AttributeName + "Attribute")
                {
                    return method;
                }
            }
        }

        return null;
    }

    /// <summary><c>float</c> or <c>double</c> when <paramref name="type"/> is (or derives from) <c>Peft.Linear&lt;T&gt;</c>.</summary>
    private static string? LinearElementType(ITypeSymbol type) =>
        ModuleGraph.LinearElementType(type) is { Length: > 0 } elementType ? elementType : null;

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
    /// Reads the attribute's named arguments against the method's shared description: every argument written
    /// in source must be one the method has, bound to a constant of its type and valid by the shared rule;
    /// otherwise (non-constant, misspelt, wrong type, out of range) there is no output and an analyzer reports it.
    /// </summary>
    /// <param name="attribute">The attribute.</param>
    /// <param name="method">Its method.</param>
    /// <param name="token">Cancellation.</param>
    /// <param name="classLevel">A class-level attribute: its <c>TargetModules</c> is read apart (<c>PeftGenerator.ParseTargets.cs</c>).</param>
    private static LayerInfo? ReadAttribute(AttributeData attribute, AdapterMethod method, CancellationToken token, bool classLevel = false)
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

        AdapterMethodInfo info = AdapterMethods.Get(method);
        double[] values = new double[info.Arguments.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = info.Arguments[i].Default;
        }

        foreach (var named in attribute.NamedArguments)
        {
            if (classLevel && named.Key == TargetModulesArgument.Name)
            {
                continue;
            }

            TypedConstant constant = named.Value;
            int index = info.IndexOf(named.Key);
            if (index < 0 || constant.Kind == TypedConstantKind.Error || constant.IsNull)
            {
                return null;
            }

            AdapterArgument argument = info.Arguments[index];
            double? value = (argument.Kind, constant.Value) switch
            {
                (AdapterArgumentKind.Int32 or AdapterArgumentKind.Enum, int number) => number,
                (AdapterArgumentKind.Double, double number) => number,
                (AdapterArgumentKind.Boolean, bool flag) => flag ? 1 : 0,
                _ => null,
            };
            if (value is not { } checkedValue || !argument.IsValid(checkedValue))
            {
                return null;
            }

            values[index] = checkedValue;
        }

        return new LayerInfo(
            MemberName: "",
            DeclarationIndex: 0,
            ElementType: "float",
            Method: method,
            Arguments: new EquatableArray<double>(values),
            InFeatures: 0,
            OutFeatures: 0);
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
}
