using Peft;

namespace PackageUser;

/// <summary>
/// A small annotated model with constant shapes: LoRA+ on Hidden, MoRA (sharing) on Output. The
/// package's generator adds RegisterMembers, Backward, AttachAdapters, CreateOptimizer and the kernels.
/// </summary>
public sealed partial class Classifier : Module
{
    public const int Inputs = 48, HiddenWidth = 32, Classes = 6;

    [LoRAPlus(Rank = 4, Alpha = 8, Ratio = 16)]
    public Linear Hidden { get; } = new(48, 32, random: new Random(1));

    public ReLU Relu { get; } = new();

    [MoRA(Rank = 4, Type = MoRAType.Sharing)]
    public Linear Output { get; } = new(32, 6, random: new Random(2));

    /// <summary>logits = Output(ReLU(Hidden(x))).</summary>
    public Tensor<float> Forward(Tensor<float> x) => Output.Forward(Relu.Forward(Hidden.Forward(x)));
}
