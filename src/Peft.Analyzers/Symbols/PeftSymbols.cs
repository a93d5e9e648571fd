using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Peft.Analyzers.Symbols;

/// <summary>
/// The Peft.Runtime types the analyzers look for, resolved once per compilation (in
/// <c>CompilationStartAction</c>) so that the per-symbol callbacks only compare references.
/// </summary>
internal sealed class PeftSymbols
{
    private PeftSymbols(
        INamedTypeSymbol loRA,
        INamedTypeSymbol loRAPlus,
        INamedTypeSymbol moRA,
        INamedTypeSymbol? linear,
        INamedTypeSymbol? genericLinear,
        INamedTypeSymbol? loRAInit,
        INamedTypeSymbol? moRAType)
    {
        LoRA = loRA;
        LoRAPlus = loRAPlus;
        MoRA = moRA;
        Linear = linear;
        GenericLinear = genericLinear;
        LoRAInit = EnumValues.Create(loRAInit);
        MoRAType = EnumValues.Create(moRAType);
    }

    /// <summary><c>Peft.LoRAAttribute</c>.</summary>
    public INamedTypeSymbol LoRA { get; }

    /// <summary><c>Peft.LoRAPlusAttribute</c>.</summary>
    public INamedTypeSymbol LoRAPlus { get; }

    /// <summary><c>Peft.MoRAAttribute</c>.</summary>
    public INamedTypeSymbol MoRA { get; }

    /// <summary><c>Peft.Linear</c> (the float layer), if the compilation sees it.</summary>
    public INamedTypeSymbol? Linear { get; }

    /// <summary><c>Peft.Linear&lt;T&gt;</c>, unconstructed, if the compilation sees it.</summary>
    public INamedTypeSymbol? GenericLinear { get; }

    /// <summary>The defined values of <c>Peft.LoRAInit</c>.</summary>
    public EnumValues LoRAInit { get; }

    /// <summary>The defined values of <c>Peft.MoRAType</c>.</summary>
    public EnumValues MoRAType { get; }

    /// <summary>
    /// Resolves the symbols; false when the compilation does not reference the adapter
    /// attributes (then no analyzer registers anything).
    /// </summary>
    public static bool TryCreate(Compilation compilation, out PeftSymbols symbols)
    {
        INamedTypeSymbol? loRA = compilation.GetTypeByMetadataName("Peft.LoRAAttribute");
        INamedTypeSymbol? loRAPlus = compilation.GetTypeByMetadataName("Peft.LoRAPlusAttribute");
        INamedTypeSymbol? moRA = compilation.GetTypeByMetadataName("Peft.MoRAAttribute");
        if (loRA is null || loRAPlus is null || moRA is null)
        {
            symbols = null!;
            return false;
        }

        symbols = new PeftSymbols(
            loRA,
            loRAPlus,
            moRA,
            compilation.GetTypeByMetadataName("Peft.Linear"),
            compilation.GetTypeByMetadataName("Peft.Linear`1"),
            compilation.GetTypeByMetadataName("Peft.LoRAInit"),
            compilation.GetTypeByMetadataName("Peft.MoRAType"));
        return true;
    }

    /// <summary>Which adapter an attribute is (a reference comparison; no allocation).</summary>
    public AdapterKind GetAdapterKind(AttributeData attribute)
    {
        INamedTypeSymbol? type = attribute.AttributeClass;
        if (type is null)
        {
            return AdapterKind.None;
        }

        if (SymbolEqualityComparer.Default.Equals(type, LoRA))
        {
            return AdapterKind.LoRA;
        }

        if (SymbolEqualityComparer.Default.Equals(type, LoRAPlus))
        {
            return AdapterKind.LoRAPlus;
        }

        return SymbolEqualityComparer.Default.Equals(type, MoRA) ? AdapterKind.MoRA : AdapterKind.None;
    }

    /// <summary>
    /// The first adapter attribute of a field or property; <see cref="AdapterKind.None"/> when it
    /// has none (the common case, decided without allocating).
    /// </summary>
    public AdapterKind FindFirstAdapter(ImmutableArray<AttributeData> attributes, out AttributeData? adapter)
    {
        foreach (AttributeData attribute in attributes)
        {
            AdapterKind kind = GetAdapterKind(attribute);
            if (kind != AdapterKind.None)
            {
                adapter = attribute;
                return kind;
            }
        }

        adapter = null;
        return AdapterKind.None;
    }

    /// <summary>Whether a member of this type can carry an adapter: exactly <c>Linear</c> or <c>Linear&lt;T&gt;</c>.</summary>
    public bool IsSupportedLayer(ITypeSymbol type) =>
        type is INamedTypeSymbol named &&
        (SymbolEqualityComparer.Default.Equals(named, Linear) ||
         SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, GenericLinear));
}
