namespace Peft.IO;

/// <summary>
/// PEFT's <c>target_modules</c>: either a list of module names (a module matches when its path equals a
/// name or ends with <c>"." + name</c>) or one regular expression that must match the whole path.
/// </summary>
public sealed class PeftTargetModules
{
    private PeftTargetModules(IReadOnlyList<string>? names, string? pattern)
    {
        Names = names;
        Pattern = pattern;
    }

    /// <summary>The listed names, or <see langword="null"/> when <see cref="Pattern"/> is used.</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The full-match regular expression, or <see langword="null"/> when <see cref="Names"/> is used.</summary>
    public string? Pattern { get; }

    /// <summary>A list of module names (suffix match on dotted paths).</summary>
    public static PeftTargetModules FromNames(IEnumerable<string> names) => new([.. names], null);

    /// <summary>A regular expression matched against the whole module path.</summary>
    public static PeftTargetModules FromPattern(string pattern) => new(null, pattern);

    /// <summary>Whether the module at <paramref name="modulePath"/> is targeted, by PEFT's rules.</summary>
    public bool Matches(string modulePath)
    {
        if (Pattern is not null)
        {
            return PeftPattern.IsMatch(modulePath, $"^(?:{Pattern})$", Pattern);
        }

        foreach (string name in Names!)
        {
            if (modulePath == name || modulePath.EndsWith("." + name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
