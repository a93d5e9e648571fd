using Peft.Generators.Tests.Infrastructure;

namespace Peft.Generators.Tests;

/// <summary>
/// Broken or unsupported inputs: the generator never throws (no CS8785 / AD0001), reports nothing
/// (the analyzers do) and writes no code for the broken member; valid members beside it still get theirs.
/// </summary>
public sealed class RobustnessTests
{
    private const string Valid = """

            [LoRA(Rank = 2)]
            public Linear Good { get; } = new(8, 8);
        """;

    public static IEnumerable<object[]> BrokenMembers() =>
    [
        ["syntax error in the attribute", "[LoRA(Rank = )] public Linear Bad { get; } = new(8, 8);"],
        ["syntax error in a field's attribute", "[LoRA(Rank = )] private readonly Linear Bad = new(8, 8);"],
        ["syntax error in the initializer", "[LoRA(Rank = 2)] public Linear Bad { get; } = new(8, ;"],
        ["attribute on a method", "[LoRA(Rank = 2)] public Linear Bad() => new(8, 8);"],
        ["field of the wrong type", "[LoRA(Rank = 2)] private readonly int Bad = 3;"],
        ["property of the wrong type", "[MoRA] public string Bad { get; } = \"\";"],
        ["duplicated attribute", "[LoRA(Rank = 2)][LoRA(Rank = 4)] public Linear Bad { get; } = new(8, 8);"],
        ["two adapter kinds", "[LoRA(Rank = 2)][MoRA(Rank = 2)] public Linear Bad { get; } = new(8, 8);"],
        ["non-constant argument", "[LoRA(Rank = SomeRank)] public Linear Bad { get; } = new(8, 8); private static int SomeRank = 2;"],
        ["wrong argument type", "[LoRAPlus(Ratio = \"16\")] public Linear Bad { get; } = new(8, 8);"],
        ["positional argument", "[LoRA(4)] public Linear Bad { get; } = new(8, 8);"],
        ["unknown argument", "[LoRA(Rnak = 4)] public Linear Bad { get; } = new(8, 8);"],
        ["ratio below one", "[LoRAPlus(Ratio = 0.5)] public Linear Bad { get; } = new(8, 8);"],
        ["rank zero", "[LoRA(Rank = 0)] public Linear Bad { get; } = new(8, 8);"],
        ["rank above min(in, out)", "[LoRA(Rank = 9)] public Linear Bad { get; } = new(8, 30);"],
        ["undefined MoRA type", "[MoRA(Type = (MoRAType)5)] public Linear Bad { get; } = new(8, 8);"],
        ["static member", "[LoRA(Rank = 2)] public static Linear Bad { get; } = new(8, 8);"],
        ["write-only property", "[LoRA(Rank = 2)] public Linear Bad { set { } }"],
        ["negative constant size", "[LoRA(Rank = 2)] public Linear Bad { get; } = new(-8, 8);"],
    ];

    [Theory]
    [MemberData(nameof(BrokenMembers))]
    public void BrokenMemberGetsNoOutputAndNoFailure(string description, string member)
    {
        string source = $$"""
            using Peft;

            namespace Broken;

            public sealed partial class Model : Module
            {
                {{member}}
            {{Valid}}
            }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        Assert.Empty(result.Diagnostics);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Id is "CS8785" or "AD0001");
        string generated = GeneratorHarness.ModelText(result);
        Assert.Contains("GoodKernel", generated);
        Assert.False(generated.Contains("BadKernel"), description);
    }

    [Theory]
    [InlineData("public sealed class Model : Module")]
    [InlineData("public sealed partial class Model")]
    [InlineData("public sealed partial struct Model")]
    public void UnsupportedModelGetsNoOutput(string declaration)
    {
        string source = $$"""
            using Peft;

            {{declaration}}
            {
                [LoRA(Rank = 2)]
                public Linear Layer { get; } = new(8, 8);
            }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedTrees);
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Id is "CS8785" or "AD0001");
    }

    [Fact]
    public void NonPartialContainingTypeGetsNoOutput()
    {
        const string source = """
            using Peft;

            public class Outer
            {
                public sealed partial class Model : Module
                {
                    [LoRA(Rank = 2)]
                    public Linear Layer { get; } = new(8, 8);
                }
            }
            """;
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.GeneratedTrees);
    }

    [Fact]
    public void UnusualMemberNamesCompile()
    {
        const string source = """
            using Peft;

            public sealed partial class Model : Module
            {
                [LoRA(Rank = 2)]
                private readonly Linear _value = new(8, 8);

                [LoRA(Rank = 2)]
                public Linear Value { get; } = new(8, 8);

                [MoRA(Rank = 2)]
                public Linear @class { get; } = new(8, 8);
            }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(GeneratorHarness.VisibleDiagnostics(output));
        Assert.Equal(2, GeneratorHarness.ModelText(result).Split("sealed class Value").Length - 1);
    }

    [Fact]
    public void GarbageSourceDoesNotThrow()
    {
        var (result, _) = GeneratorHarness.Run(GeneratorHarness.Compile("using Peft; [LoRA( partial class { Linear x = new(;"));

        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.Empty(result.GeneratedTrees);
    }
}
