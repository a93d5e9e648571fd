using Verify = Peft.Analyzers.Tests.Verifiers.CodeFixVerifier<
    Peft.Analyzers.Diagnostics.Analyzers.LoRAPlusRatioAnalyzer,
    Peft.Analyzers.CodeFixes.LoRAPlusRatioCodeFixProvider>;

namespace Peft.Analyzers.Tests.CodeFixes;

public sealed class LoRAPlusRatioCodeFixProviderTests
{
    [Theory]
    [InlineData("0.5")]
    [InlineData("double.NaN")]
    [InlineData("1.0 / 0")]
    public Task Sets_ratio_to_sixteen(string ratio) => Verify.VerifyAsync(
        $$"""
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus(Rank = 8, {|PEFT0001:Ratio = {{ratio}}|})]
            public Linear Hidden { get; } = new(784, 256);
        }
        """,
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus(Rank = 8, Ratio = 16)]
            public Linear Hidden { get; } = new(784, 256);
        }
        """);

    [Fact]
    public Task Fixes_the_large_ratio_warning_too() => Verify.VerifyAsync(
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus({|PEFT0002:Ratio = 128|}, Alpha = 16)]
            public Linear Hidden { get; } = new(784, 256);
        }
        """,
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus(Ratio = 16, Alpha = 16)]
            public Linear Hidden { get; } = new(784, 256);
        }
        """);

    [Fact]
    public Task Fix_all_sets_every_ratio() => Verify.VerifyAsync(
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus({|PEFT0001:Ratio = 0.25|})]
            public Linear Hidden { get; } = new(784, 256);

            [LoRAPlus({|PEFT0001:Ratio = -1|})]
            public Linear Output { get; } = new(256, 10);
        }
        """,
        """
        using Peft;

        public sealed partial class Model : Module
        {
            [LoRAPlus(Ratio = 16)]
            public Linear Hidden { get; } = new(784, 256);

            [LoRAPlus(Ratio = 16)]
            public Linear Output { get; } = new(256, 10);
        }
        """);
}
