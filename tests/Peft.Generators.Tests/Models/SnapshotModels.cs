namespace Peft.Generators.Tests.Models;

/// <summary>The representative user models whose generated output is kept under Snapshots/.</summary>
internal static class SnapshotModels
{
    /// <summary>DESIGN.md's user story: LoRA+ and MoRA (sharing) with constant shapes.</summary>
    public const string Classifier = """
        using Peft;

        namespace Demo;

        public sealed partial class Classifier : Module
        {
            [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
            public Linear Hidden { get; } = new(784, 256);

            [MoRA(Rank = 8, Type = MoRAType.Sharing)]
            public Linear Output { get; } = new(256, 10);
        }
        """;

    /// <summary>Plain LoRA (rsLoRA, dropout, Gaussian init) on a field and a property; MoRA RoPE in double.</summary>
    public const string Encoder = """
        using Peft;

        namespace Demo.Text;

        public partial class Encoder : Module
        {
            [LoRA(Rank = 4, Alpha = 8, UseRsLoRA = true, Dropout = 0.1, Init = LoRAInit.Gaussian)]
            private readonly Linear _query = new Linear(33, 17);

            [LoRA(Rank = 2)]
            public Linear Value { get; } = new(inFeatures: 17, outFeatures: 33, bias: false);

            [MoRA(Rank = 4, Type = MoRAType.RoPE)]
            public Linear<double> Gate { get; } = new(50, 70);
        }
        """;

    /// <summary>Shapes known only at run time: shape-generic, still rank-specialized, code.</summary>
    public const string RuntimeShapes = """
        using Peft;

        namespace Demo;

        public sealed partial class Projector : Module
        {
            public Projector(int width, int height)
            {
                Up = new Linear(width, height);
                Down = new Linear(height, width);
            }

            [LoRAPlus(Rank = 3, Alpha = 6, Ratio = 4)]
            public Linear Up { get; }

            [MoRA(Rank = 2, Type = MoRAType.RoPE)]
            public Linear Down { get; }
        }
        """;

    /// <summary>A model nested in a generic static class, in the global namespace.</summary>
    public const string Nested = """
        using Peft;

        public static partial class Zoo<TTag>
        {
            public partial class Inner<TValue> where TValue : struct
            {
                public sealed partial class Head : Module
                {
                    [LoRA(Rank = 1, Alpha = 2)]
                    public Linear<double> Score { get; } = new(9, 3);
                }
            }
        }
        """;

    /// <summary>DoRA: LoRA's rank-specialized kernel under <c>AttachDoRA</c>, constant and run-time shapes.</summary>
    public const string Decomposed = """
        using Peft;

        namespace Demo;

        public sealed partial class Decomposed : Module
        {
            public Decomposed(int width) => Wide = new Linear<double>(width, width);

            [DoRA(Rank = 8, Alpha = 16)]
            public Linear Query { get; } = new(512, 256);

            [DoRA(Rank = 2, Alpha = 4, UseRsLoRA = true, Dropout = 0.05)]
            public Linear<double> Wide { get; }
        }
        """;

    /// <summary>LoHa (LoRA's kernel at rank r²) and LoKr (the Kronecker kernel), constant and run-time shapes.</summary>
    public const string LyCORIS = """
        using Peft;

        namespace Demo;

        public sealed partial class LyCORIS : Module
        {
            public LyCORIS(int width) => Wide = new Linear<double>(width, width);

            [LoHa(Rank = 4, Alpha = 8)]
            public Linear Query { get; } = new(512, 256);

            [LoKr(Rank = 8, Alpha = 16, DecomposeBoth = true)]
            public Linear Key { get; } = new(768, 1024);

            [LoKr(Rank = 2, DecomposeFactor = 4, Init = LoKrInit.LyCORIS, RankDropout = 0.1, RankDropoutScale = true)]
            public Linear<double> Wide { get; }
        }
        """;

    /// <summary>
    /// Class-level attributes on a library model (the targets resolved against LlamaForCausalLM's [ModuleName] graph):
    /// LoRA+, MoRA and DoRA on disjoint layers, kernels with run-time shapes, the base constructor re-declared.
    /// </summary>
    public const string ChatTuning = """
        using Peft;
        using Peft.Models;

        namespace Demo;

        [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16, TargetModules = ["q_proj", "v_proj"])]
        [MoRA(Rank = 4, Type = MoRAType.RoPE, TargetModules = ["down_proj"])]
        [DoRA(Rank = 4, Alpha = 8, TargetModules = ["self_attn.o_proj"])]
        public partial class ChatTuning : LlamaForCausalLM
        {
        }
        """;

    public static IEnumerable<object[]> All() =>
    [
        [nameof(Classifier)],
        [nameof(Encoder)],
        [nameof(RuntimeShapes)],
        [nameof(Nested)],
        [nameof(Decomposed)],
        [nameof(LyCORIS)],
        [nameof(ChatTuning)],
    ];

    public static string Source(string name) => name switch
    {
        nameof(Classifier) => Classifier,
        nameof(Encoder) => Encoder,
        nameof(RuntimeShapes) => RuntimeShapes,
        nameof(Nested) => Nested,
        nameof(Decomposed) => Decomposed,
        nameof(LyCORIS) => LyCORIS,
        nameof(ChatTuning) => ChatTuning,
        _ => throw new ArgumentException($"No snapshot model '{name}'.", nameof(name)),
    };
}
