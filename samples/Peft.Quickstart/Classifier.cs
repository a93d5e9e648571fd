using Peft;

namespace Peft.Quickstart;

/// <summary>
/// The user's model: layers as members, two of them annotated, and a Forward made of their calls. The
/// generator adds the rest: RegisterMembers (children named Hidden, Relu, Output), the matching Backward,
/// AttachAdapters, CreateOptimizer, MergeAdapters and the rank-specialized kernels behind them.
/// </summary>
public sealed partial class Classifier : Module
{
    public const int Inputs = 784, HiddenWidth = 256, Classes = 10;

    [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
    public Linear Hidden { get; } = new(Inputs, HiddenWidth, random: new Random(1));

    public ReLU Relu { get; } = new();

    [MoRA(Rank = 8, Type = MoRAType.Sharing)]
    public Linear Output { get; } = new(HiddenWidth, Classes, random: new Random(2));

    /// <summary>logits = Output(ReLU(Hidden(x))), x [batch, Inputs] → logits [batch, Classes].</summary>
    public Tensor<float> Forward(Tensor<float> x) => Output.Forward(Relu.Forward(Hidden.Forward(x)));
}
