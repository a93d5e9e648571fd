namespace Peft.TargetModules;

/// <summary>
/// PEFT's <c>target_modules</c> rule for a list of names (<c>check_target_module_exists</c>): a module matches a name when
/// its path equals the name or ends with <c>"." + name</c>. Paths and names are compared segment by segment from the end,
/// which is the same rule (a match ends at the path's end and starts at a '.' boundary); a <c>ModuleList</c> index
/// segment of a compile-time path stands for every index, so it matches a name segment written as an index (<c>0</c>, <c>12</c>).
/// </summary>
internal static class TargetMatcher
{
    /// <summary>Whether the target (split at '.') matches the module path.</summary>
    public static bool Matches(string[] target, string[] path)
    {
        if (target.Length == 0 || target.Length > path.Length)
        {
            return false;
        }

        int offset = path.Length - target.Length;
        for (int i = 0; i < target.Length; i++)
        {
            string segment = path[offset + i];
            if (segment == ModuleGraph.IndexSegment ? !IsIndex(target[i]) : segment != target[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A list index as Python's <c>str(int)</c> writes it: digits, no leading zero (except 0 itself).</summary>
    private static bool IsIndex(string text)
    {
        if (text.Length == 0 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c < '0' || c > '9')
            {
                return false;
            }
        }

        return true;
    }
}
