namespace Peft.Methods;

/// <summary>The C# type of an adapter attribute's named argument.</summary>
internal enum AdapterArgumentKind
{
    /// <summary><c>int</c>.</summary>
    Int32,

    /// <summary><c>double</c>.</summary>
    Double,

    /// <summary><c>bool</c>.</summary>
    Boolean,

    /// <summary>An <c>int</c>-backed enum of <c>Peft</c> (its value arrives as an <c>int</c>).</summary>
    Enum,
}
