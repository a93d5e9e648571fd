namespace Peft.Generators.Tests.Modules;

// User models whose Backward and RegisterMembers the module generator writes when this project builds.

/// <summary>The quickstart's shape in double: y = Output(ReLU(Hidden(x))).</summary>
public sealed partial class Mlp : Module
{
    public Linear<double> Hidden { get; } = new(5, 7, random: new Random(1));

    public ReLU<double> Relu { get; } = new();

    public Linear<double> Output { get; } = new(7, 3, random: new Random(2));

    public Tensor<double> Forward(Tensor<double> x) => Output.Forward(Relu.Forward(Hidden.Forward(x)));
}

/// <summary>
/// h = Up(x); s = h + Down(GELU(h)); y = Head(s): a residual through <see cref="Add{T}"/>, where h is used twice
/// (by the activation and by the sum).
/// </summary>
public sealed partial class ResidualMlp : Module
{
    public Linear<double> Up { get; } = new(4, 6, random: new Random(3));

    public GELU<double> Activation { get; } = new();

    public Linear<double> Down { get; } = new(6, 6, random: new Random(4));

    public Add<double> Skip { get; } = new();

    public Linear<double> Head { get; } = new(6, 2, random: new Random(5));

    public Tensor<double> Forward(Tensor<double> x)
    {
        var h = Up.Forward(x);
        var a = Activation.Forward(h);
        var m = Down.Forward(a);
        var s = Skip.Forward(h, m);
        return Head.Forward(s);
    }
}

/// <summary>y = x + Inner(x): the input used twice, and a generated module as a member of another.</summary>
public sealed partial class Wrapper : Module
{
    public ResidualMlpSquare Inner { get; } = new();

    public Add<double> Skip { get; } = new();

    public Tensor<double> Forward(Tensor<double> x) => Skip.Forward(x, Inner.Forward(x));
}

/// <summary>A generated module mapping 4 features to 4 (so that a residual fits around it), reassigning one local.</summary>
public sealed partial class ResidualMlpSquare : Module
{
    public Linear<double> First { get; } = new(4, 8, random: new Random(6));

    public SiLU<double> Activation { get; } = new();

    public Linear<double> Second { get; } = new(8, 4, random: new Random(7));

    public Tensor<double> Forward(Tensor<double> x)
    {
        Tensor<double> h = First.Forward(x);
        h = Activation.Forward(h);
        h = Second.Forward(h);
        return h;
    }
}

/// <summary>A member inside a registered Sequential, and the Sequential itself: one path for the inner layer.</summary>
public sealed partial class Stacked : Module
{
    public Stacked() => Stack = new Sequential<double>(Inner, new ReLU<double>());

    public Sequential<double> Stack { get; }

    public Linear<double> Inner { get; } = new(3, 3, random: new Random(8));

    public Tensor<double> Forward(Tensor<double> x) => Stack.Forward(x);
}

/// <summary>transformers' Llama MLP: y = Down(silu(Gate(x)) ⊙ Up(x)), the input used by two projections.</summary>
public sealed partial class SwiGluMlp : Module
{
    public Linear<double> Gate { get; } = new(4, 6, random: new Random(9));

    public Linear<double> Up { get; } = new(4, 6, random: new Random(10));

    public GatedSiLU<double> Act { get; } = new();

    public Linear<double> Down { get; } = new(6, 4, random: new Random(11));

    public Tensor<double> Forward(Tensor<double> x) => Down.Forward(Act.Forward(Gate.Forward(x), Up.Forward(x)));
}
