namespace Peft.Generators.Tests.Modules;

/// <summary>The user modules whose <see cref="ModuleGenerator"/> output is kept under Snapshots/Modules/.</summary>
internal static class ModuleSnapshotModels
{
    /// <summary>The quickstart's shape: three members, one nested Forward expression.</summary>
    public const string Classifier = """
        using Peft;

        namespace Demo;

        public sealed partial class Classifier : Module
        {
            [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
            public Linear Hidden { get; } = new(784, 256);

            public ReLU Relu { get; } = new();

            [MoRA(Rank = 8, Type = MoRAType.Sharing)]
            public Linear Output { get; } = new(256, 10);

            public Tensor<float> Forward(Tensor<float> x) => Output.Forward(Relu.Forward(Hidden.Forward(x)));
        }
        """;

    /// <summary>Statements with locals, a residual through Add, a value used twice, a field, in double.</summary>
    public const string Block = """
        using Peft;

        namespace Demo.Blocks;

        public partial class Block : Module
        {
            private readonly Linear<double> _up = new(8, 16);

            public Linear<double> Down { get; } = new(16, 8);

            public GELU<double> Activation { get; } = new();

            public Add<double> Skip { get; } = new();

            public Linear<double> Head { get; } = new(8, 3);

            public Tensor<double> Forward(Tensor<double> input)
            {
                var h = _up.Forward(input);
                h = Activation.Forward(h);
                var mlp = Down.Forward(h);
                var sum = Skip.Forward(input, mlp);
                return Head.Forward(sum);
            }
        }
        """;

    /// <summary>A generic module nested in generic partial types, registration only (no Forward), and one with a Sequential holding a member.</summary>
    public const string Nested = """
        using System.Numerics;
        using Peft;

        public partial class Zoo<TKey>
        {
            public partial class Inner<T> : Module
                where T : unmanaged, IBinaryFloatingPointIeee754<T>
            {
                public Linear<T> First { get; } = new(4, 4);

                public Linear<T>? Optional { get; set; }

                public Sequential<T> Stack { get; }

                public Inner() => Stack = new Sequential<T>(First, new ReLU<T>());

                public Tensor<T> Forward(Tensor<T> x) => Stack.Forward(x);
            }

            public sealed partial class Plain : Module
            {
                public Module Child = new Linear(2, 2);

                public static Linear Shared { get; } = new(2, 2);

                public int Count { get; set; }
            }
        }
        """;

    public static IEnumerable<object[]> All() => [[nameof(Classifier)], [nameof(Block)], [nameof(Nested)]];

    public static string Source(string name) => name switch
    {
        nameof(Classifier) => Classifier,
        nameof(Block) => Block,
        nameof(Nested) => Nested,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
