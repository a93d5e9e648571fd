using System;
using System.Collections.Generic;

namespace Peft.TargetModules;

/// <summary>The did-you-mean of an unmatched target: the Linear names nearest to it by edit distance.</summary>
internal static class TargetSuggestions
{
    /// <summary>How many names a suggestion lists at most.</summary>
    private const int MaxSuggestions = 3;

    /// <summary>
    /// The candidates at the smallest Levenshtein distance from <paramref name="target"/>, if that distance is at most
    /// max(2, ⌊length/3⌋): for a plain name the distinct Linear names (<c>q_proj</c>), for a dotted one the Linear paths'
    /// suffixes of as many segments (an index segment written <c>0</c>). Ordered by name.
    /// </summary>
    public static List<string> Nearest(ModuleGraph graph, string target)
    {
        int segments = target.Split('.').Length;
        int threshold = Math.Max(2, target.Length / 3);
        int best = int.MaxValue;
        var nearest = new List<string>();
        foreach (string candidate in Candidates(graph, segments))
        {
            int distance = Distance(target, candidate);
            if (distance > threshold || distance > best)
            {
                continue;
            }

            if (distance < best)
            {
                best = distance;
                nearest.Clear();
            }

            nearest.Add(candidate);
        }

        nearest.Sort(StringComparer.Ordinal);
        if (nearest.Count > MaxSuggestions)
        {
            nearest.RemoveRange(MaxSuggestions, nearest.Count - MaxSuggestions);
        }

        return nearest;
    }

    /// <summary>The distinct last segments of the Linear modules, in graph order.</summary>
    public static List<string> LinearNames(ModuleGraph graph)
    {
        var names = new List<string>();
        foreach (string name in Candidates(graph, 1))
        {
            names.Add(name);
        }

        return names;
    }

    private static IEnumerable<string> Candidates(ModuleGraph graph, int segments)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (ModuleNode node in graph.Modules)
        {
            if (!node.IsLinear || node.Segments.Length < segments)
            {
                continue;
            }

            string[] suffix = new string[segments];
            for (int i = 0; i < segments; i++)
            {
                string segment = node.Segments[node.Segments.Length - segments + i];
                suffix[i] = segment == ModuleGraph.IndexSegment ? "0" : segment;
            }

            string candidate = string.Join(".", suffix);
            if (seen.Add(candidate))
            {
                yield return candidate;
            }
        }
    }

    /// <summary>Levenshtein distance (insertions, deletions, substitutions, each 1), two rows.</summary>
    public static int Distance(string a, string b)
    {
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
