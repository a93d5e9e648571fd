using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Peft.Methods;

namespace Peft.Analyzers.Symbols;

/// <summary>
/// The Peft.Runtime types the analyzers look for, resolved once per compilation (in
/// <c>CompilationStartAction</c>) so that the per-symbol callbacks only compare references. The adapter
/// attributes are those of the shared method registry (<see cref="AdapterMethods.All"/>).
/// </summary>
internal sealed class PeftSymbols
{
    private readonly ImmutableArray<INamedTypeSymbol> attributes;

    private PeftSymbols(ImmutableArray<INamedTypeSymbol> attributes, INamedTypeSymbol? linear, INamedTypeSymbol? genericLinear, INamedTypeSymbol? module)
    {
        this.attributes = attributes;
        Linear = linear;
        GenericLinear = genericLinear;
        Module = module;
    }

    /// <summary><c>Peft.Linear</c> (the float layer), if the compilation sees it.</summary>
    public INamedTypeSymbol? Linear { get; }

    /// <summary><c>Peft.Linear&lt;T&gt;</c>, unconstructed, if the compilation sees it.</summary>
    public INamedTypeSymbol? GenericLinear { get; }

    /// <summary><c>Peft.Module</c>, if the compilation sees it.</summary>
    public INamedTypeSymbol? Module { get; }

    /// <summary>
    /// Resolves the symbols; false when the compilation does not reference every registered adapter
    /// attribute (then no analyzer registers anything).
    /// </summary>
    public static bool TryCreate(Compilation compilation, out PeftSymbols symbols)
    {
        var attributes = ImmutableArray.CreateBuilder<INamedTypeSymbol>(AdapterMethods.All.Count);
        foreach (AdapterMethodInfo method in AdapterMethods.All)
        {
            if (compilation.GetTypeByMetadataName(method.AttributeMetadataName) is not { } attribute)
            {
                symbols = null!;
                return false;
            }

            attributes.Add(attribute);
        }

        symbols = new PeftSymbols(
            attributes.MoveToImmutable(),
            compilation.GetTypeByMetadataName("Peft.Linear"),
            compilation.GetTypeByMetadataName("Peft.Linear`1"),
            compilation.GetTypeByMetadataName("Peft.Module"));
        return true;
    }

    /// <summary>Which adapter method an attribute applies, or null when it is no adapter attribute (reference comparisons; no allocation).</summary>
    public AdapterMethodInfo? GetMethod(AttributeData attribute)
    {
        INamedTypeSymbol? type = attribute.AttributeClass;
        if (type is null)
        {
            return null;
        }

        for (int i = 0; i < attributes.Length; i++)
        {
            if (SymbolEqualityComparer.Default.Equals(type, attributes[i]))
            {
                return AdapterMethods.All[i];
            }
        }

        return null;
    }

    /// <summary>
    /// The first adapter attribute of a field or property and its method; null when it has none (the common
    /// case, decided without allocating).
    /// </summary>
    public AdapterMethodInfo? FindFirstAdapter(ImmutableArray<AttributeData> attributeData, out AttributeData? adapter)
    {
        foreach (AttributeData attribute in attributeData)
        {
            if (GetMethod(attribute) is { } method)
            {
                adapter = attribute;
                return method;
            }
        }

        adapter = null;
        return null;
    }

    /// <summary>Whether a member of this type can carry an adapter: exactly <c>Linear</c> or <c>Linear&lt;T&gt;</c>.</summary>
    public bool IsSupportedLayer(ITypeSymbol type) =>
        type is INamedTypeSymbol named &&
        (SymbolEqualityComparer.Default.Equals(named, Linear) ||
         SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, GenericLinear));

    /// <summary>The defined values of the enum type of argument <paramref name="name"/> on <paramref name="attribute"/> (reporting path only).</summary>
    public static EnumValues EnumOf(AttributeData attribute, string name)
    {
        foreach (ISymbol member in attribute.AttributeClass?.GetMembers(name) ?? ImmutableArray<ISymbol>.Empty)
        {
            if (member is IPropertySymbol { Type: INamedTypeSymbol { TypeKind: TypeKind.Enum } enumType })
            {
                return EnumValues.Create(enumType);
            }
        }

        return EnumValues.Create(null);
    }
}
