namespace Peft.Methods;

/// <summary>
/// IA³'s shared description (Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is Better and Cheaper than
/// In-Context Learning", arXiv 2205.05638; PEFT's <c>IA3Config</c>): one trained vector rescales the layer's output,
/// <c>y = l ⊙ (W0·x + b)</c>, or, for a feed-forward layer (PEFT's <c>feedforward_modules</c>), its input,
/// <c>y = W0·(l ⊙ x) + b</c>. No rank and no scale; every layer shape fits.
/// </summary>
internal static class IA3Method
{
    public static readonly AdapterArgument FeedForward =
        new("FeedForward", AdapterArgumentKind.Boolean, 0, "true or false", null, AdapterArgument.Any);

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.IA3,
        "IA3",
        "IA³",
        ["Linear"],
        [FeedForward],
        static (_, _, _) => true,
        rankIsInnerDimension: false);
}
