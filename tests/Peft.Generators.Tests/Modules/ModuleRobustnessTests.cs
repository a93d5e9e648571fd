using Microsoft.CodeAnalysis;
using Peft.Generators.Modules;
using Peft.Generators.Tests.Infrastructure;

namespace Peft.Generators.Tests.Modules;

/// <summary>
/// Forward methods the module generator cannot differentiate, or cannot even bind: it never throws and reports
/// nothing (the analyzers do), writes no Backward, still writes the registration, and the result compiles
/// without errors of its own making.
/// </summary>
public sealed class ModuleRobustnessTests
{
    public static IEnumerable<object[]> Forwards() =>
    [
        ["syntax error", "public Tensor<float> Forward(Tensor<float> x) => Hidden.Forward(x;"],
        ["unknown member", "public Tensor<float> Forward(Tensor<float> x) => Missing.Forward(x);"],
        ["unknown local", "public Tensor<float> Forward(Tensor<float> x) { return Hidden.Forward(y); }"],
        ["recursion", "public Tensor<float> Forward(Tensor<float> x) => Forward(x);"],
        ["this recursion", "public Tensor<float> Forward(Tensor<float> x) => this.Forward(Hidden.Forward(x));"],
        ["loop", "public Tensor<float> Forward(Tensor<float> x) { for (int i = 0; i < 2; i++) { x = Hidden.Forward(x); } return x; }"],
        ["identity", "public Tensor<float> Forward(Tensor<float> x) => x;"],
        ["called twice", "public Tensor<float> Forward(Tensor<float> x) => Hidden.Forward(Hidden.Forward(x));"],
        ["dropped value", "public Tensor<float> Forward(Tensor<float> x) { var unused = Relu.Forward(x); return Hidden.Forward(x); }"],
        ["ref parameter", "public Tensor<float> Forward(ref Tensor<float> x) => Hidden.Forward(x);"],
        ["empty body", "public Tensor<float> Forward(Tensor<float> x) { }"],
        ["throw", "public Tensor<float> Forward(Tensor<float> x) => throw new System.NotSupportedException();"],
        ["lambda", "public Tensor<float> Forward(Tensor<float> x) { System.Func<Tensor<float>> f = () => Hidden.Forward(x); return f(); }"],
        ["named argument", "public Tensor<float> Forward(Tensor<float> x) => Hidden.Forward(input: x);"],
        ["member named _", "public Linear _ { get; } = new(4, 4); public Tensor<float> Forward(Tensor<float> x) => _.Forward(x);"],
    ];

    [Theory]
    [MemberData(nameof(Forwards))]
    public void UnsupportedForwardGetsRegistrationOnlyAndNoFailure(string description, string forward)
    {
        string source = $$"""
            using Peft;

            namespace Broken;

            public sealed partial class Model : Module
            {
                public Linear Hidden { get; } = new(4, 4);
                public ReLU Relu { get; } = new();
                {{forward}}
            }
            """;
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.Compile(source), new ModuleGenerator());

        Assert.Empty(result.Diagnostics);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Id is "CS8785" or "AD0001");
        string generated = Assert.Single(result.GeneratedTrees).GetText().ToString();
        Assert.Contains("this.RegisterMember(\"Hidden\", this.Hidden);", generated);
        if (description == "member named _")
        {
            // Differentiable: its gradient field needs a name that is not just "_".
            Assert.Contains("this._.Backward(outputGradient, inputGradient);", generated);
        }
        else
        {
            Assert.DoesNotContain("Backward", generated);
        }

        // Nothing the generator wrote is the cause of an error.
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".Module.g.cs", StringComparison.Ordinal) == true);
    }
}
