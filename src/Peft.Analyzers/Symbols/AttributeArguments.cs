using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Peft.Analyzers.Symbols;

/// <summary>
/// Reads the named arguments of an adapter attribute (<c>Rank = 8</c>, <c>Ratio = 16</c>) and
/// finds where they are written. Attribute arguments are compile-time constants, so
/// <c>double.NaN</c>, <c>1.0 / 0</c> and <c>(MoRAType)3</c> all arrive here as plain values.
/// </summary>
internal static class AttributeArguments
{
    /// <summary>The value of a named <see cref="double"/> argument, if the attribute sets it.</summary>
    public static bool TryGetDouble(AttributeData attribute, string name, out double value) => TryGet(attribute, name, out value);

    /// <summary>The value of a named <see cref="int"/> (or <c>int</c>-backed enum) argument, if the attribute sets it.</summary>
    public static bool TryGetInt32(AttributeData attribute, string name, out int value) => TryGet(attribute, name, out value);

    // The constant is stored boxed in the TypedConstant; unboxing allocates nothing.
    private static bool TryGet<T>(AttributeData attribute, string name, out T value)
        where T : struct
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is T constant)
            {
                value = constant;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Where to report a problem with argument <paramref name="name"/>: the whole
    /// <c>Name = value</c> argument when it is written, else the attribute, else the member.
    /// Only called on the reporting path.
    /// </summary>
    public static Location GetLocation(AttributeData attribute, string? name, ISymbol member, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax)
        {
            return member.Locations.Length > 0 ? member.Locations[0] : Location.None;
        }

        if (name is not null && syntax.ArgumentList is { } list)
        {
            foreach (AttributeArgumentSyntax argument in list.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == name)
                {
                    return argument.GetLocation();
                }
            }
        }

        return syntax.GetLocation();
    }

    /// <summary>
    /// Where element <paramref name="index"/> of the array argument <paramref name="name"/> is written (<c>TargetModules =
    /// ["q_proj", "v_proj"]</c>, or <c>new[] { … }</c>); the whole argument when the element cannot be found.
    /// </summary>
    public static Location GetElementLocation(AttributeData attribute, string name, int index, ISymbol member, CancellationToken cancellationToken)
    {
        Location argumentLocation = GetLocation(attribute, name, member, cancellationToken);
        if (argumentLocation.SourceTree?.GetRoot(cancellationToken).FindNode(argumentLocation.SourceSpan) is not AttributeArgumentSyntax argument)
        {
            return argumentLocation;
        }

        ExpressionSyntax? element = argument.Expression switch
        {
            CollectionExpressionSyntax collection when index < collection.Elements.Count => (collection.Elements[index] as ExpressionElementSyntax)?.Expression,
            ArrayCreationExpressionSyntax { Initializer: { } initializer } when index < initializer.Expressions.Count => initializer.Expressions[index],
            ImplicitArrayCreationExpressionSyntax { Initializer: var initializer } when index < initializer.Expressions.Count => initializer.Expressions[index],
            _ => null,
        };
        return element?.GetLocation() ?? argumentLocation;
    }

    /// <summary>The value as the user would write it: invariant culture, round-trippable (<c>NaN</c>, <c>Infinity</c>).</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
