using Verify = Peft.Analyzers.Tests.Verifiers.CodeFixVerifier<
    Peft.Analyzers.Diagnostics.Analyzers.AdapterTypeNotPartialAnalyzer,
    Peft.Analyzers.CodeFixes.MakeTypePartialCodeFixProvider>;

namespace Peft.Analyzers.Tests.CodeFixes;

public sealed class MakeTypePartialCodeFixProviderTests
{
    [Fact]
    public Task Adds_partial_after_the_other_modifiers() => Verify.VerifyAsync(
        """
        using Peft;

        public sealed class {|PEFT0011:Model|} : Module
        {
            [LoRA] public Linear Hidden { get; } = new(4, 4);
        }
        """,
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRA] public Linear Hidden { get; } = new(4, 4);
        }
        """);

    [Fact]
    public Task Keeps_comments_and_attributes_when_there_are_no_modifiers() => Verify.VerifyAsync(
        """
        using System;
        using Peft;

        // The model.
        [Serializable]
        class {|PEFT0011:Model|}
        {
            [LoRA] public Linear Hidden { get; } = new(4, 4);
        }
        """,
        """
        using System;
        using Peft;

        // The model.
        [Serializable]
        partial class Model
        {
            [LoRA] public Linear Hidden { get; } = new(4, 4);
        }
        """);

    [Fact]
    public Task Fix_all_makes_every_containing_type_partial() => Verify.VerifyAsync(
        """
        using Peft;

        public class {|PEFT0011:Outer|}
        {
            internal struct {|PEFT0011:Middle|}
            {
                public record {|PEFT0011:Inner|}([property: MoRA] Linear Layer);
            }
        }
        """,
        """
        using Peft;

        public partial class Outer
        {
            internal partial struct Middle
            {
                public partial record Inner([property: MoRA] Linear Layer);
            }
        }
        """);
}
