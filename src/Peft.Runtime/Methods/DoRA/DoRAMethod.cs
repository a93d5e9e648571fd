namespace Peft.Methods;

/// <summary>
/// DoRA's shared description (Liu et al. 2024, "DoRA: Weight-Decomposed Low-Rank Adaptation", arXiv 2402.09353;
/// PEFT's <c>LoraConfig(use_dora=True)</c>): LoRA's arguments, defaults and shape rule — the direction is LoRA's
/// <c>W0 + s·B·A</c> — plus a trained magnitude per output row that needs no argument.
/// </summary>
internal static class DoRAMethod
{
    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.DoRA,
        "DoRA",
        "DoRA",
        ["Linear"],
        [.. LoRAMethod.Info.Arguments],
        LoRAMethod.FitsShape,
        rankIsInnerDimension: true);
}
