namespace Peft.Generators.Models;

/// <summary>
/// One type of a containing-type chain, enough to re-declare it as a partial part:
/// <c>{Keyword} {Name}{TypeParameters}</c>.
/// </summary>
/// <param name="Keyword">The declaration keywords including <c>partial</c>, for example <c>partial class</c> or <c>static partial class</c>.</param>
/// <param name="Name">The type's name without type parameters.</param>
/// <param name="TypeParameters">Empty, or the type parameter list such as <c>&lt;T, U&gt;</c>.</param>
internal sealed record TypeDeclarationInfo(string Keyword, string Name, string TypeParameters)
{
    /// <summary>The name as written in C#, for example <c>Outer&lt;T&gt;</c>.</summary>
    public string DisplayName => Name + TypeParameters;

    /// <summary>The name with its arity as metadata spells it, for example <c>Outer`1</c>.</summary>
    public string MetadataName { get; init; } = Name;
}
