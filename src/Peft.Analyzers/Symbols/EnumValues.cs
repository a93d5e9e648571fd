using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Peft.Analyzers.Symbols;

/// <summary>
/// A readable list of the defined values of an <c>int</c> enum (<c>MoRAType.Sharing (1), MoRAType.RoPE (6)</c>)
/// for messages. Which values are valid is the shared method description's rule, not this list's.
/// </summary>
internal sealed class EnumValues
{
    private EnumValues(string names) => Names = names;

    /// <summary>The defined members as <c>Type.Name (value)</c>, comma separated.</summary>
    public string Names { get; }

    /// <summary>Reads the constant fields of <paramref name="enumType"/>; empty when the type is missing.</summary>
    public static EnumValues Create(INamedTypeSymbol? enumType)
    {
        if (enumType is null)
        {
            return new EnumValues(string.Empty);
        }

        return new EnumValues(string.Join(
            ", ",
            enumType.GetMembers()
                .OfType<IFieldSymbol>()
                .Where(static field => field.HasConstantValue && field.ConstantValue is int)
                .Select(field => string.Format(CultureInfo.InvariantCulture, "{0}.{1} ({2})", enumType.Name, field.Name, field.ConstantValue))));
    }
}
