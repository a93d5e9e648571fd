using Peft;

namespace BadRatio;

/// <summary>A model with a LoRA+ ratio below 1: B would learn slower than A. The build fails with PEFT0001.</summary>
public sealed partial class Classifier : Module
{
    [LoRAPlus(Rank = 8, Ratio = 0.5)]
    public Linear Hidden { get; } = new(784, 256);
}
