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
        SnapshotFiles.AssertMatch(result, model);
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

    [Fact]
    public void SnapshotDifferenceShowsTheFirstChangedLineWithContext()
    {
        string diff = SnapshotFiles.FirstDifference("a\nb\nc\nd\n", "a\nb\nX\nd\n");
        Assert.Contains("@@ line 3 (snapshot 5 lines, generated 5 lines) @@", diff);
        Assert.Contains("  b\n- c\n- d\n", diff);
        Assert.Contains("+ X\n+ d\n", diff);
    }
}
