using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Peft.Generators.Modules;
using Peft.Generators.Tests.Infrastructure;

namespace Peft.Generators.Tests.Modules;

/// <summary>
/// The module generator's pipeline caches: a comment or an unrelated member leaves its transform Unchanged or
/// Cached and writes no file again; a changed Forward regenerates only the class that declares it.
/// </summary>
public sealed class ModuleIncrementalityTests
{
    [Theory]
    [InlineData("// a comment\n")]
    [InlineData("namespace Elsewhere { public sealed class Unrelated { public int Value => 42; } }\n")]
    [InlineData("namespace Demo.Blocks { public partial class Block { public int Width => 8; } }\n")]
    public void UnrelatedEditLeavesEveryStepCached(string edit)
    {
        var compilation = GeneratorHarness.Compile(ModuleSnapshotModels.Classifier, ModuleSnapshotModels.Block);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new ModuleGenerator()).RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(tree.GetText().Length, 0, edit)));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // The tracked step must exist and see both classes, or this test would check nothing.
        var modules = result.TrackedSteps[ModuleGenerator.TrackingNames.Modules].SelectMany(r => r.Outputs).ToList();
        Assert.Equal(2, modules.Count);
        Assert.All(modules, output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));

        var outputs = result.TrackedOutputSteps.SelectMany(p => p.Value).SelectMany(r => r.Outputs).ToList();
        Assert.Equal(2, outputs.Count);
        Assert.All(outputs, output => Assert.True(
            output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, output.Reason.ToString()));
    }

    [Fact]
    public void ChangedForwardRegeneratesOnlyThatClass()
    {
        var compilation = GeneratorHarness.Compile(ModuleSnapshotModels.Classifier, ModuleSnapshotModels.Block);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(new ModuleGenerator()).RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.First();
        string changed = tree.GetText().ToString().Replace(
            "Output.Forward(Relu.Forward(Hidden.Forward(x)))", "Output.Forward(Hidden.Forward(x))");
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(changed, GeneratorHarness.ParseOptions, tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        var modules = result.TrackedSteps[ModuleGenerator.TrackingNames.Modules].SelectMany(r => r.Outputs).ToList();
        Assert.Single(modules, m => m.Reason == IncrementalStepRunReason.Modified);
        Assert.Single(modules, m => m.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        string classifier = result.GeneratedSources.Single(s => s.HintName == "Demo.Classifier.Module.g.cs").SourceText.ToString();
        Assert.DoesNotContain("this.Relu.Backward", classifier);
        Assert.Contains("this.Output.Backward(outputGradient, this._hiddenOutputGradient);", classifier);
    }
}
