using Peft;

namespace PackageUser;

/// <summary>A LoRA+ ratio below 1: B would learn slower than A. Compiled only with -p:PeftBadRatio=true; the build fails with PEFT0001.</summary>
public sealed partial class BadRatioModel : Module
{
    [LoRAPlus(Rank = 8, Ratio = 0.5)]
    public Linear Hidden { get; } = new(784, 256);
}
