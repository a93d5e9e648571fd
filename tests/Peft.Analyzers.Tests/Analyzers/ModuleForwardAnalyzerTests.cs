using Microsoft.CodeAnalysis.Testing;
using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.ModuleForwardAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class ModuleForwardAnalyzerTests
{
    private const string Members = """
            public Linear Hidden { get; } = new(4, 4);
            public ReLU Relu { get; } = new();
            public Linear Output { get; } = new(4, 2);
            public Add Skip { get; } = new();
        """;

    [Fact]
    public Task Differentiable_forwards_pass() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed partial class Chain : Module
        {
        {{Members}}
            public Tensor<float> Forward(Tensor<float> x) => Output.Forward(Relu.Forward(Hidden.Forward(x)));
        }

        public sealed partial class Statements : Module
        {
        {{Members}}
            public Tensor<float> Forward(Tensor<float> x)
            {
                Tensor<float> h = Hidden.Forward(x);
                var r = Relu.Forward(h);
                r = Skip.Forward(h, r);
                return Output.Forward(r!);
            }
        }

        public sealed partial class Outer : Module
        {
            public Chain Inner { get; } = new();
            public Linear Head { get; } = new(2, 2);
            public Tensor<float> Forward(Tensor<float> x) => Head.Forward(this.Inner.Forward(x));
        }
        """);

    [Fact]
    public Task Classes_the_generator_does_not_differentiate_are_not_reported() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed class NotPartial : Module
        {
        {{Members}}
            public Tensor<float> Forward(Tensor<float> x) { for (int i = 0; i < 2; i++) { x = Hidden.Forward(x); } return x; }
        }

        public sealed partial class OwnBackward : Module
        {
        {{Members}}
            public Tensor<float> Forward(Tensor<float> x) { for (int i = 0; i < 2; i++) { x = Hidden.Forward(x); } return x; }
            public void Backward(Tensor<float> dy) { }
        }

        public sealed partial class Ids : Module
        {
            public Tensor<float> Forward(Tensor<int> ids) => new Tensor<float>(new[] { ids.Length });
        }
        """);

    [Fact]
    public Task Loop_is_reported_at_the_statement() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed partial class Model : Module
        {
        {{Members}}
            public Tensor<float> Forward(Tensor<float> x)
            {
                var h = Hidden.Forward(x);
                {|PEFT0030:for (int i = 0; i < 2; i++)
                {
                    h = Relu.Forward(h);
                }|}

                return Output.Forward(h);
            }
        }
        """);

    [Fact]
    public Task Branch_is_reported_with_its_reason() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed partial class Model : Module
        {
        {{Members}}
            public bool UseRelu { get; set; }

            public Tensor<float> Forward(Tensor<float> x)
            {
                var h = Hidden.Forward(x);
                if (UseRelu) h = Relu.Forward(h);
                return Output.Forward(h);
            }
        }
        """,
        Verify.Diagnostic("PEFT0030").WithSpan(14, 9, 14, 42)
            .WithArguments("Model", "if (UseRelu) h = Relu.Forward(h);", "it is a branch; Backward is written for a fixed sequence of module calls"));

    [Fact]
    public Task Calls_that_are_not_member_modules_are_reported() => Verify.VerifyAsync($$"""
        using Peft;

        public static class Ops
        {
            public static Tensor<float> Twice(Tensor<float> t) => t;
        }

        public sealed class Opaque : Module
        {
            public Tensor<float> Forward(Tensor<float> x) => x;
        }

        public sealed partial class Model : Module
        {
        {{Members}}
            public Opaque Custom { get; } = new();

            public Tensor<float> Forward(Tensor<float> x)
            {
                {|PEFT0030:var a = Ops.Twice(x);|}
                {|PEFT0030:var b = new Linear(4, 4).Forward(x);|}
                {|PEFT0030:var c = Custom.Forward(x);|}
                return Output.Forward(Hidden.Forward(x));
            }
        }
        """);

    [Fact]
    public Task Storing_a_value_outside_a_local_is_reported() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed partial class Model : Module
        {
        {{Members}}
            private Tensor<float>? _saved;

            public Tensor<float> Forward(Tensor<float> x)
            {
                var h = Hidden.Forward(x);
                {|PEFT0030:_saved = h;|}
                {|PEFT0030:Relu.Forward(h);|}
                return Output.Forward(h);
            }
        }
        """);

    [Fact]
    public Task Value_that_does_not_reach_the_result_is_reported_at_its_call() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed partial class Model : Module
        {
        {{Members}}
            public Tensor<float> Forward(Tensor<float> x)
            {
                var unused = {|PEFT0030:Relu.Forward(x)|};
                return Output.Forward(Hidden.Forward(x));
            }
        }
        """);

    [Fact]
    public Task Ref_parameter_and_identity_are_reported() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed partial class ByRef : Module
        {
        {{Members}}
            public Tensor<float> Forward{|PEFT0030:(ref Tensor<float> x)|} => Output.Forward(Hidden.Forward(x));
        }

        public sealed partial class Identity : Module
        {
            public Tensor<float> Forward(Tensor<float> x) => {|PEFT0030:x|};
        }
        """);

    [Fact]
    public Task Member_called_twice_is_reported_at_the_second_call() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed partial class Model : Module
        {
        {{Members}}
            public Tensor<float> Forward(Tensor<float> x) => Output.Forward({|PEFT0031:Hidden.Forward(Hidden.Forward(x))|});
        }
        """);

    [Fact]
    public Task Member_without_matching_backward_is_reported() => Verify.VerifyAsync($$"""
        using Peft;

        public sealed class ForwardOnly : Module
        {
            public Tensor<float> Forward(Tensor<float> x) => x;
            public void Backward(Tensor<float> dy) { }
        }

        public sealed partial class Model : Module
        {
            public ForwardOnly Layer { get; } = new();

            public Tensor<float> Forward(Tensor<float> x) => {|PEFT0030:Layer.Forward(x)|};
        }
        """);
}
