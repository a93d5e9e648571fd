using System.Diagnostics;
using System.Text;
using Microsoft.CodeAnalysis;
using Peft.Generators.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Peft.Generators.Tests;

/// <summary>
/// The generator's cost on a model with 200 annotated layers (target: under 100 ms for a full run).
/// The time is printed, never asserted; the assertions check that the run produced every kernel.
/// See the test output: <c>dotnet test tests/Peft.Generators.Tests -c Release --filter GeneratorCost --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class GeneratorCostTests(ITestOutputHelper output)
{
    private const int Layers = 200;

    [Fact]
    public void FullRunOnTwoHundredLayers()
    {
        var compilation = GeneratorHarness.Compile(LargeModel());

        // Warm the generator and the compilation's lazily bound symbols once, then time fresh full runs.
        GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var times = new List<double>();
        GeneratorDriverRunResult? result = null;
        for (int run = 0; run < 5; run++)
        {
            var driver = GeneratorHarness.CreateDriver();
            long start = Stopwatch.GetTimestamp();
            result = driver.RunGenerators(compilation).GetRunResult();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        string generated = GeneratorHarness.ModelText(result!);
        Assert.Equal(Layers, CountOccurrences(generated, "file sealed class "));
        int total = result!.GeneratedTrees.Sum(tree => tree.GetText().Length);
        output.WriteLine($"generator full run, {Layers} annotated layers: median {times[times.Count / 2]:F1} ms (min {times[0]:F1} ms), " +
            $"{total / 1024} KiB generated ({generated.Length / 1024} KiB model, {(total - generated.Length) / 1024} KiB shared loops)");

        // The driver parses its output lazily; the compiler then parses it on every build and in the IDE,
        // a cost that grows with the size of the output (printed for the record, not part of the target).
        var parseTimes = new List<double>();
        for (int run = 0; run < 3; run++)
        {
            long start = Stopwatch.GetTimestamp();
            var tree = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(generated);
            Assert.Empty(tree.GetDiagnostics());
            parseTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        output.WriteLine($"compiler parse of the generated text: min {parseTimes.Min():F1} ms");
    }

    /// <summary>200 layers cycling through LoRA, LoRA+ and both MoRA types, constant and run-time shapes, float and double.</summary>
    private static string LargeModel()
    {
        var source = new StringBuilder("using Peft;\n\nnamespace Big;\n\npublic sealed partial class Transformer : Module\n{\n");
        source.Append("    public Transformer(int width) { ");
        for (int i = 0; i < Layers; i += 4)
        {
            source.Append($"L{i} = new Linear(width, width + {i % 7}); ");
        }

        source.Append("}\n");
        for (int i = 0; i < Layers; i++)
        {
            string attribute = (i % 5) switch
            {
                0 => "[LoRA(Rank = 8, Alpha = 16)]",
                1 => "[LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]",
                2 => "[MoRA(Rank = 8, Type = MoRAType.Sharing)]",
                3 => "[MoRA(Rank = 4, Type = MoRAType.RoPE)]",
                _ => "[LoRA(Rank = 16, Alpha = 32, UseRsLoRA = true)]",
            };
            string member = i % 4 == 0
                ? $"public Linear L{i} {{ get; }}"
                : i % 3 == 0
                    ? $"public Linear<double> L{i} {{ get; }} = new({64 + i}, {96 + i});"
                    : $"public Linear L{i} {{ get; }} = new({128 + i}, {64 + 2 * i});";
            source.Append($"    {attribute}\n    {member}\n\n");
        }

        return source.Append("}\n").ToString();
    }

    private static int CountOccurrences(string text, string value)
    {
        int count = 0;
        for (int index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
