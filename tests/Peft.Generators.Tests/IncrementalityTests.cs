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

        foreach (string step in TrackedSteps)
        {
            foreach (var run in result.TrackedSteps.GetValueOrDefault(step, []))
            {
                foreach (var (_, reason) in run.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {reason}");
                }
            }
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(r => r.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
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
