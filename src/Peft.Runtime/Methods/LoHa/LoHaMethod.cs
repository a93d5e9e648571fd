namespace Peft.Methods;

/// <summary>
/// LoHa's shared description and arithmetic (Hyeon-Woo et al. 2022, FedPara; PEFT's <c>tuners/loha</c>):
/// <c>ΔW = s·(W1a·W1b) ⊙ (W2a·W2b)</c>, <c>s = α/r</c>, with the dropouts LoHa and LoKr share (LyCORIS' rank and
/// module dropout).
/// </summary>
internal static class LoHaMethod
{
    public const int DefaultRank = 8;

    /// <summary>PEFT's <c>rank_dropout</c>: each output row of ΔW is dropped with this probability in training.</summary>
    public static readonly AdapterArgument RankDropout = Probability("RankDropout");

    /// <summary>PEFT's <c>module_dropout</c>: the whole adapter is skipped with this probability in a training forward.</summary>
    public static readonly AdapterArgument ModuleDropout = Probability("ModuleDropout");

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.LoHa,
        "LoHa",
        "LoHa",
        ["Linear"],
        [
            AdapterMethods.Rank(DefaultRank),
            LoRAMethod.Alpha,
            RankDropout,
            ModuleDropout,
            new("InitWeights", AdapterArgumentKind.Boolean, 1, "true or false", null, AdapterArgument.Any),
        ],
        static (_, _, _) => true,
        rankIsInnerDimension: false);

    /// <summary>LoHa's (and LoKr's) scale, PEFT's <c>alpha / r</c>.</summary>
    public static double Scale(double alpha, int rank) => alpha / rank;

    /// <summary>A probability argument in [0, 1) (NaN fails it), reported as PEFT0006.</summary>
    public static AdapterArgument Probability(string name) =>
        new(name, AdapterArgumentKind.Double, 0, "in [0, 1)", AdapterMethods.InvalidDropoutId, static p => p >= 0 && p < 1);
}
