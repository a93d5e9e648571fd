using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Peft.Generators.Models;

namespace Peft.Generators.Helpers;

/// <summary>Reads a type's <see cref="HierarchyInfo"/> (namespace, containing types with their keywords and type parameters).</summary>
internal static class HierarchyReader
{
    /// <summary>The hierarchy of <paramref name="model"/>, outermost type first.</summary>
    public static HierarchyInfo Read(INamedTypeSymbol model)
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
