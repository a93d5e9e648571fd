using System;

namespace Peft.Methods;

/// <summary>
/// One named argument of an adapter attribute: its name, type, default, the values it accepts and the
/// diagnostic an analyzer reports for any other value. Values travel as <see cref="double"/> (ints,
/// bools as 0/1 and enum values convert exactly).
/// </summary>
internal sealed class AdapterArgument
{
    private readonly Func<double, bool> _isValid;

    public AdapterArgument(string name, AdapterArgumentKind kind, double defaultValue, string validValues, string? diagnosticId, Func<double, bool> isValid)
    {
        Name = name;
        Kind = kind;
        Default = defaultValue;
        ValidValues = validValues;
        DiagnosticId = diagnosticId;
        _isValid = isValid;
    }

    /// <summary>The property name on the attribute (<c>Rank</c>).</summary>
    public string Name { get; }

    /// <summary>The property's C# type.</summary>
    public AdapterArgumentKind Kind { get; }

    /// <summary>The attribute's default when the argument is not written.</summary>
    public double Default { get; }

    /// <summary>The accepted values in words, for messages and docs (<c>≥ 1</c>).</summary>
    public string ValidValues { get; }

    /// <summary>The analyzer diagnostic for an invalid value; null when every value of the type is valid.</summary>
    public string? DiagnosticId { get; }

    /// <summary>Whether the runtime, the generator and the analyzers accept <paramref name="value"/>.</summary>
    public bool IsValid(double value) => _isValid(value);

    /// <summary>Any value of the type.</summary>
    public static bool Any(double value) => true;

    /// <summary>Not NaN and not ±∞.</summary>
    public static bool IsFinite(double value) => !double.IsNaN(value) && !double.IsInfinity(value);
}
