using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Peft.Generators.Tests.Infrastructure;
using Peft.Generators.Tests.Models;

namespace Peft.Generators.Tests;

/// <summary>
/// The pipeline caches: unrelated edits leave every tracked step Cached or Unchanged, and a changed
/// attribute value regenerates only the model that carries it.
/// </summary>
public sealed class IncrementalityTests
{
    private static readonly string[] TrackedSteps =
    [
        PeftGenerator.TrackingNames.LoRALayers,
        PeftGenerator.TrackingNames.LoRAPlusLayers,
        PeftGenerator.TrackingNames.MoRALayers,
        PeftGenerator.TrackingNames.AllLayers,
        PeftGenerator.TrackingNames.Models,
        PeftGenerator.TrackingNames.LowRankLoops,
    ];

    [Theory]
    [InlineData("// a comment\n")]
    [InlineData("namespace Elsewhere { public sealed class Unrelated { public int Value => 42; } }\n")]
    public void UnrelatedEditLeavesEveryStepCached(string edit)
    {
        var compilation = GeneratorHarness.Compile(SnapshotModels.Classifier, SnapshotModels.Encoder);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        // Edit the first file (which holds a model) by appending text.
        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(tree.GetText().Length, 0, edit)));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertEveryStepCached(result);
    }

    [Fact]
    public void InsertingAMemberAboveAnAnnotatedLayerKeepsTheOutputCached()
    {
        var compilation = GeneratorHarness.Compile(SnapshotModels.Classifier, SnapshotModels.Encoder);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.First();
        string text = tree.GetText().ToString();
        int hidden = text.IndexOf("[LoRAPlus", StringComparison.Ordinal);
        Assert.True(hidden > 0, "the Classifier model has its [LoRAPlus] layer");
        string changed = text.Insert(hidden, "public int Counter { get; set; }\n\n    private readonly Linear _extra = new(3, 3);\n\n    ");
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(changed, GeneratorHarness.ParseOptions, tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertEveryStepCached(result);
    }

    [Theory]
    [InlineData(0, "// a comment\n")]
    [InlineData(0, "namespace Elsewhere { public sealed class Unrelated { public int Value => 42; } }\n")]
    [InlineData(2, "// a comment in the class-level model's own file\n")]
    public void UnrelatedEditLeavesClassLevelTargetsCached(int file, string edit)
    {
        var compilation = GeneratorHarness.Compile(SnapshotModels.Classifier, SnapshotModels.Encoder, SnapshotModels.ChatTuning);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.ElementAt(file);
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(tree.GetText().Length, 0, edit)));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertEveryStepCached(result, [.. TrackedSteps, PeftGenerator.TrackingNames.TargetedModels]);
    }

    [Fact]
    public void EditingTheTargetsRegeneratesTheClassLevelModel()
    {
        var compilation = GeneratorHarness.Compile(SnapshotModels.ChatTuning);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.Single();
        string changed = tree.GetText().ToString().Replace("[\"down_proj\"]", "[\"up_proj\"]", StringComparison.Ordinal);
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(changed, GeneratorHarness.ParseOptions, tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var runs = result.TrackedSteps[PeftGenerator.TrackingNames.TargetedModels];
        Assert.Contains(runs.SelectMany(run => run.Outputs), output => output.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("TargetModules = [\"up_proj\"]", result.GeneratedSources.Single(s => s.HintName.EndsWith(".Targets.g.cs", StringComparison.Ordinal)).SourceText.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Every tracked step must have run (a step renamed or removed from the pipeline fails here instead of
    /// passing vacuously) and left every output Cached or Unchanged; so must every output step.
    /// </summary>
    private static void AssertEveryStepCached(GeneratorRunResult result) => AssertEveryStepCached(result, TrackedSteps);

    private static void AssertEveryStepCached(GeneratorRunResult result, IEnumerable<string> steps)
    {
        foreach (string step in steps)
        {
            Assert.True(result.TrackedSteps.TryGetValue(step, out var runs), $"tracked step '{step}' did not run; is it still in the pipeline?");
            Assert.NotEmpty(runs!);
            foreach (var run in runs!)
            {
                foreach (var (_, reason) in run.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}");
                }
            }
        }

        var outputs = result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(r => r.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void ChangedAttributeRegeneratesOnlyThatModel()
    {
        var compilation = GeneratorHarness.Compile(SnapshotModels.Classifier, SnapshotModels.Encoder);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.First();
        string changed = tree.GetText().ToString().Replace("Ratio = 16", "Ratio = 8");
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(changed, GeneratorHarness.ParseOptions, tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var models = result.TrackedSteps[PeftGenerator.TrackingNames.Models].SelectMany(r => r.Outputs).ToList();
        Assert.Equal(2, models.Count);
        Assert.Single(models, m => m.Reason == IncrementalStepRunReason.Modified);
        Assert.Single(models, m => m.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);

        var outputs = result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(r => r.Outputs).ToList();
        Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("learningRate, 8.0,", result.GeneratedSources.Single(s => s.HintName == "Demo.Classifier.g.cs").SourceText.ToString());
    }
}
