using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Peft.Analyzers.Symbols;

/// <summary>
/// The defined values of an <c>int</c> enum, read once per compilation, and a readable list of
/// them (<c>MoRAType.Sharing (1), MoRAType.RoPE (6)</c>) for messages.
/// </summary>
internal sealed class EnumValues
{
    private readonly ImmutableArray<int> values;

    private EnumValues(ImmutableArray<int> values, string names)
    {
        this.values = values;
        Names = names;
    }

    /// <summary>The defined members as <c>Type.Name (value)</c>, comma separated.</summary>
    public string Names { get; }

    /// <summary>Reads the constant fields of <paramref name="enumType"/>; empty when the type is missing.</summary>
    public static EnumValues Create(INamedTypeSymbol? enumType)
    {
        if (enumType is null)
        {
            return new EnumValues(ImmutableArray<int>.Empty, string.Empty);
        }

        IFieldSymbol[] fields = enumType.GetMembers()
            .OfType<IFieldSymbol>()
            .Where(static field => field.HasConstantValue && field.ConstantValue is int)
            .ToArray();
        ImmutableArray<int> values = fields.Select(static field => (int)field.ConstantValue!).ToImmutableArray();
        string names = string.Join(
            ", ",
            fields.Select(field => string.Format(
                CultureInfo.InvariantCulture, "{0}.{1} ({2})", enumType.Name, field.Name, field.ConstantValue)));
        return new EnumValues(values, names);
    }

    /// <summary>Whether the enum type was found (when it was not, no value is judged).</summary>
    public bool IsKnownType => !values.IsEmpty;

    /// <summary>Whether <paramref name="value"/> names a member.</summary>
    public bool IsDefined(int value) => values.Contains(value);
}
