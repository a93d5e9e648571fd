using Verify = Peft.Analyzers.Tests.Verifiers.AnalyzerVerifier<Peft.Analyzers.Diagnostics.Analyzers.ModuleContainerNotPartialAnalyzer>;

namespace Peft.Analyzers.Tests.Analyzers;

public sealed class ModuleContainerNotPartialAnalyzerTests
{
    [Fact]
    public Task Partial_containers_and_classes_without_members_pass() => Verify.VerifyAsync("""
        using Peft;

        public partial class Outer
        {
            public partial class Model : Module
            {
                public Linear Hidden { get; } = new(4, 4);
            }
        }

        public class Holder
        {
            public partial class Empty : Module
            {
                public int Width { get; set; }
            }

            public class NotPartial : Module
            {
                public Linear Hidden { get; } = new(4, 4);
            }
        }
        """);

    [Fact]
    public Task Module_in_a_non_partial_container_is_reported_at_its_name() => Verify.VerifyAsync("""
        using Peft;

        public partial class Zoo
        {
            public class Cage
            {
                public partial class {|PEFT0032:Model|} : Module
                {
                    public Linear Hidden { get; } = new(4, 4);
                }
            }
        }
        """);
}
