using Peft.Generators.Modules;
using Peft.Generators.Tests.Infrastructure;

namespace Peft.Generators.Tests.Modules;

/// <summary>
/// The whole text <see cref="ModuleGenerator"/> writes for representative modules, compared exactly with
/// <c>Snapshots/Modules/&lt;model&gt;/</c>, and that text compiling without a warning.
/// </summary>
public sealed class ModuleSnapshotTests
{
    [Theory]
    [MemberData(nameof(ModuleSnapshotModels.All), MemberType = typeof(ModuleSnapshotModels))]
    public void GeneratedSourceMatchesSnapshot(string model)
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(ModuleSnapshotModels.Source(model)), new ModuleGenerator());
        Assert.Empty(result.Diagnostics);
        SnapshotFiles.AssertMatch(result, Path.Combine("Modules", model));
    }

    [Theory]
    [MemberData(nameof(ModuleSnapshotModels.All), MemberType = typeof(ModuleSnapshotModels))]
    public void GeneratedSourceCompilesWithoutWarnings(string model)
    {
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(ModuleSnapshotModels.Source(model)), new ModuleGenerator());
        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
    }
}
