using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.UnservableAdapterMemberAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

/// <summary>Every adapter attribute the generator cannot serve is reported instead of producing no code.</summary>
public sealed class UnservableAdapterMemberAnalyzerTests
{
    private static string Model(string member, string declaration = "public sealed partial class Model : Module") => $$"""
        using Peft;

        {{declaration}}
        {
            {{member}}
        }
        """;

    [Theory]
    [InlineData("[LoRA] public Linear Hidden { get; } = new(4, 4);")]
    [InlineData("[LoRAPlus] public Linear<float> Hidden { get; } = new(4, 4);")]
    [InlineData("[MoRA] public Linear<double> Hidden { get; } = new(4, 4);")]
    [InlineData("[LoRA] private readonly Linear _hidden = new(4, 4);")]
    [InlineData("[LoRA] public Linear? Hidden { get; set; }")]
    [InlineData("[LoRA] public Linear Hidden { get; init; } = new(4, 4);")]
    public Task Servable_members_pass(string member) => Verify.VerifyAsync(Model(member));

    [Theory]
    [InlineData("public sealed partial class Model")]
    [InlineData("public partial struct Model")]
    [InlineData("public partial record struct Model")]
    [InlineData("public sealed partial class Model : System.Exception")]
    public Task Member_of_a_type_that_is_not_a_module_class_is_an_error(string declaration) =>
        Verify.VerifyAsync(Model("[{|PEFT0012:LoRA|}] public Linear? Hidden { get; }", declaration));

    [Fact]
    public Task Module_class_deriving_indirectly_passes() => Verify.VerifyAsync("""
        using Peft;

        public abstract class Backbone : Module { }

        public sealed partial class Model : Backbone
        {
            [LoRA] public Linear Hidden { get; } = new(4, 4);
        }
        """);

    [Theory]
    [InlineData("[{|PEFT0013:LoRA|}] public static Linear Hidden { get; } = new(4, 4);")]
    [InlineData("[{|PEFT0013:MoRA|}] private static readonly Linear Hidden = new(4, 4);")]
    public Task Static_member_is_an_error(string member) => Verify.VerifyAsync(Model(member));

    [Theory]
    [InlineData("private Linear _h = new(4, 4); [{|PEFT0014:LoRA|}] public Linear Hidden { set => _h = value; }")]
    [InlineData("[{|PEFT0014:LoRA|}] public Linear this[int i] => new(4, 4);")]
    public Task Property_without_getter_or_indexer_is_an_error(string member) => Verify.VerifyAsync(Model(member));

    [Theory]
    [InlineData("[{|PEFT0015:LoRA|}] public Linear<System.Half> Hidden { get; } = new(4, 4);")]
    [InlineData("[{|PEFT0015:MoRA|}] public Linear<System.Half>? Hidden { get; }")]
    public Task Element_type_other_than_float_or_double_is_an_error(string member) => Verify.VerifyAsync(Model(member));

    [Fact]
    public Task Element_type_that_is_a_type_parameter_is_an_error() => Verify.VerifyAsync(Model(
        "[{|PEFT0015:LoRA|}] public Linear<T>? Hidden { get; }",
        "public sealed partial class Model<T> : Module where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>"));

    [Fact]
    public Task Message_names_the_layer_type_and_element_type() => Verify.VerifyAsync(
        Model("[LoRA] public Linear<System.Half> Hidden { get; } = new(4, 4);"),
        Verify.Diagnostic("PEFT0015").WithSpan(5, 6, 5, 10).WithArguments("LoRA", "Hidden", "Peft.Linear<System.Half>", "System.Half"));

    [Fact]
    public Task Language_version_below_12_is_an_error()
    {
        var test = new Verify.Test { TestCode = Model("[{|PEFT0016:LoRA|}] public Linear Hidden { get; } = new(4, 4);") };
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!;
            return solution.WithProjectParseOptions(projectId, options.WithLanguageVersion(LanguageVersion.CSharp11));
        });
        return test.RunAsync();
    }
}
