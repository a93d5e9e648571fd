using Peft.Generators.Tests.Infrastructure;
using Peft.Generators.Tests.Models;

namespace Peft.Generators.Tests;

/// <summary>
/// Generated code holds only what specialization needs (layer constants, thin kernels, rank-unrolled loops once per
/// compilation); layer-independent machinery lives in the runtime. These bounds catch a regression that copies it back.
/// </summary>
public sealed class GeneratedSizeTests
{
    /// <summary>The quickstart's model (LoRA+ r 8 on Linear(784, 256), MoRA sharing r 8 on Linear(256, 10)).</summary>
    private const int QuickstartBudget = 40 * 1024;

    private const int LongestLine = 200;

    [Fact]
    public void QuickstartShapedModelGeneratesAtMostFortyKilobytes()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.Classifier));

        int total = result.GeneratedTrees.Sum(tree => System.Text.Encoding.UTF8.GetByteCount(tree.GetText().ToString()));
        Assert.Equal(2, result.GeneratedTrees.Length); // the model and the shared loops
        Assert.True(total <= QuickstartBudget, $"{total} bytes generated for the quickstart model, budget {QuickstartBudget}");
    }

    [Theory]
    [MemberData(nameof(SnapshotModels.All), MemberType = typeof(SnapshotModels))]
    public void NoGeneratedLineIsLongerThanTwoHundredCharacters(string model)
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.Source(model)));

        foreach (var tree in result.GeneratedTrees)
        {
            string[] lines = tree.GetText().ToString().Split('\n');
            int longest = lines.Max(line => line.Length);
            Assert.True(longest <= LongestLine,
                $"{System.IO.Path.GetFileName(tree.FilePath)}: a line of {longest} characters: {lines.First(line => line.Length == longest).Trim()}");
        }
    }

    [Fact]
    public void TwoModelsOfOneRankShareOneLoopsStruct()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(SnapshotModels.Classifier, SnapshotModels.Classifier.Replace("Classifier", "Other")));

        var loops = Assert.Single(result.GeneratedTrees, tree => System.IO.Path.GetFileName(tree.FilePath) == GeneratorHarness.LowRankLoopsFile);
        string text = loops.GetText().ToString();
        Assert.Equal(1, text.Split("struct Rank8SingleLoops").Length - 1);
        Assert.Equal(3, result.GeneratedTrees.Length);
    }
}
