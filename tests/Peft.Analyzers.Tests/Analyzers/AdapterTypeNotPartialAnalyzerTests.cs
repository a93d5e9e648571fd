using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.AdapterTypeNotPartialAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class AdapterTypeNotPartialAnalyzerTests
{
    [Fact]
    public Task Partial_types_pass() => Verify.VerifyAsync("""
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRA] public Linear Hidden { get; } = new(4, 4);
        }

        public partial class Outer
        {
            public partial struct Inner
            {
                [MoRA] public Linear Head;
            }
        }

        public partial record Recorded([property: LoRA] Linear Layer);
        """);

    [Fact]
    public Task Types_without_adapters_need_not_be_partial() => Verify.VerifyAsync("""
        using Peft;

        public sealed class Model : Module
        {
            public Linear Hidden { get; } = new(4, 4);
        }
        """);

    [Fact]
    public Task Non_partial_type_is_an_error_reported_once_at_its_name() => Verify.VerifyAsync("""
        using Peft;

        public sealed class {|PEFT0011:Model|} : Module
        {
            [LoRA] public Linear Hidden { get; } = new(4, 4);
            [MoRA] public Linear Output { get; } = new(4, 2);
        }
        """);

    [Fact]
    public Task Containing_types_must_be_partial_too() => Verify.VerifyAsync("""
        using Peft;

        public class {|PEFT0011:Outer|}
        {
            public partial class Inner : Module
            {
                [LoRA] public Linear Hidden { get; } = new(4, 4);
            }
        }

        public partial class Outer2
        {
            internal struct {|PEFT0011:Middle|}
            {
                private sealed class {|PEFT0011:Inner|}
                {
                    [LoRAPlus] public Linear? Hidden;
                }
            }
        }
        """);

    [Fact]
    public Task Records_and_structs_are_checked() => Verify.VerifyAsync("""
        using Peft;

        public record {|PEFT0011:Recorded|}([property: LoRA] Linear Layer);

        public struct {|PEFT0011:Holder|}
        {
            [LoRA] public Linear Layer;
        }
        """);

    [Fact]
    public Task Message_names_the_type_and_the_layer() => Verify.VerifyAsync(
        """
        using Peft;

        public class Outer
        {
            public partial class Inner
            {
                [LoRA] public Linear Hidden { get; } = new(4, 4);
            }
        }
        """,
        Verify.Diagnostic("PEFT0011").WithSpan(3, 14, 3, 19).WithArguments("Outer", "Outer.Inner.Hidden"));
}
