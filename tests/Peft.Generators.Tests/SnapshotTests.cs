using System.Reflection;
using Peft.Generators.Tests.Infrastructure;
using Peft.Generators.Tests.Models;

namespace Peft.Generators.Tests;

/// <summary>
/// The whole generated text for representative models, compared exactly with the files under
/// <c>Snapshots/&lt;model&gt;/</c>. After an intended change, rewrite them with
/// <c>PEFT_UPDATE_SNAPSHOTS=1 dotnet test tests/Peft.Generators.Tests -c Release</c> and review the diff.
/// </summary>
public sealed class SnapshotTests
{
    [Theory]
    [MemberData(nameof(SnapshotModels.All), MemberType = typeof(SnapshotModels))]
    public void GeneratedSourceMatchesSnapshot(string model)
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.Source(model)));
        Assert.Empty(result.Diagnostics);
        var generated = result.GeneratedTrees.Select(tree => (Name: Path.GetFileName(tree.FilePath), Text: tree.GetText().ToString())).ToList();
        Assert.NotEmpty(generated);

        string directory = Path.Combine(SourceDirectory(), "Snapshots", model);
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
                $"Generated {name} differs from Snapshots/{model}/{name}; run with PEFT_UPDATE_SNAPSHOTS=1 to rewrite and review the diff.\n" +
                FirstDifference(expected, text));
        }
    }

    [Theory]
    [MemberData(nameof(SnapshotModels.All), MemberType = typeof(SnapshotModels))]
    public void GeneratedSourceCompilesWithoutWarnings(string model)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.Source(model)));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        string first = string.Join("\n", GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.Classifier, SnapshotModels.Encoder))
            .Result.GeneratedTrees.Select(t => t.FilePath + t.GetText()));
        string second = string.Join("\n", GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.Encoder, SnapshotModels.Classifier))
            .Result.GeneratedTrees.Select(t => t.FilePath + t.GetText()));
        Assert.Equal(first, second);
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

    [Fact]
    public void SnapshotDifferenceShowsTheFirstChangedLineWithContext()
    {
        string diff = FirstDifference("a\nb\nc\nd\n", "a\nb\nX\nd\n");
        Assert.Contains("@@ line 3 (snapshot 5 lines, generated 5 lines) @@", diff);
        Assert.Contains("  b\n- c\n- d\n", diff);
        Assert.Contains("+ X\n+ d\n", diff);
    }

    /// <summary>The test project's folder in the source tree, recorded at build time (see the csproj).</summary>
    private static string SourceDirectory()
        => typeof(SnapshotTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProjectDirectory").Value!;
}
