using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Peft.Generators.Tests.Infrastructure;

/// <summary>
/// Compares a generator run's sources with the files under <c>Snapshots/&lt;folder&gt;/</c>, or rewrites them when
/// <c>PEFT_UPDATE_SNAPSHOTS=1</c> (then review the diff).
/// </summary>
internal static class SnapshotFiles
{
    public static void AssertMatch(GeneratorDriverRunResult result, string folder)
    {
        var generated = result.GeneratedTrees.Select(tree => (Name: Path.GetFileName(tree.FilePath), Text: tree.GetText().ToString())).ToList();
        Assert.NotEmpty(generated);

        string directory = Path.Combine(SourceDirectory(), "Snapshots", folder);
        if (Environment.GetEnvironmentVariable("PEFT_UPDATE_SNAPSHOTS") == "1")
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            Directory.CreateDirectory(directory);
            foreach (var (name, text) in generated)
            {
                File.WriteAllText(Path.Combine(directory, name), text);
            }

            return;
        }

        var expectedFiles = Directory.Exists(directory)
            ? Directory.GetFiles(directory).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal).ToList()
            : [];
        Assert.Equal(expectedFiles, generated.Select(g => g.Name).Order(StringComparer.Ordinal).ToList());
        foreach (var (name, text) in generated)
        {
            string expected = File.ReadAllText(Path.Combine(directory, name));
            Assert.True(expected == text,
                $"Generated {name} differs from Snapshots/{folder}/{name}; run with PEFT_UPDATE_SNAPSHOTS=1 to rewrite and review the diff.\n" +
                FirstDifference(expected, text));
        }
    }

    /// <summary>
    /// The first differing line of two texts with two lines of context either side, in unified-diff style
    /// (<c>-</c> snapshot, <c>+</c> generated), plus how many lines each side has.
    /// </summary>
    internal static string FirstDifference(string expected, string actual)
    {
        string[] before = expected.Split('\n');
        string[] after = actual.Split('\n');
        int line = 0;
        while (line < before.Length && line < after.Length && before[line] == after[line])
        {
            line++;
        }

        var diff = new System.Text.StringBuilder();
        diff.Append($"@@ line {line + 1} (snapshot {before.Length} lines, generated {after.Length} lines) @@\n");
        for (int i = Math.Max(0, line - 2); i < line; i++)
        {
            diff.Append("  ").Append(before[i]).Append('\n');
        }

        for (int i = line; i < Math.Min(before.Length, line + 3); i++)
        {
            diff.Append("- ").Append(before[i]).Append('\n');
        }

        for (int i = line; i < Math.Min(after.Length, line + 3); i++)
        {
            diff.Append("+ ").Append(after[i]).Append('\n');
        }

        return diff.ToString();
    }

    /// <summary>
    /// Compares <paramref name="text"/> with the file at <paramref name="path"/> (relative to the test project's folder), or
    /// rewrites the file when <c>PEFT_UPDATE_SNAPSHOTS=1</c>: for generator output checked in elsewhere in the tree.
    /// </summary>
    public static void AssertFileMatches(string path, string text)
    {
        string file = Path.GetFullPath(Path.Combine(SourceDirectory(), path));
        if (Environment.GetEnvironmentVariable("PEFT_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(file, text);
            return;
        }

        string expected = File.ReadAllText(file);
        Assert.True(expected == text,
            $"The generator's output differs from {path}; run with PEFT_UPDATE_SNAPSHOTS=1 to rewrite it and review the diff.\n" +
            FirstDifference(expected, text));
    }

    /// <summary>The test project's folder in the source tree, recorded at build time (see the csproj).</summary>
    private static string SourceDirectory()
        => typeof(SnapshotFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProjectDirectory").Value!;
}
