namespace Peft.Methods;

/// <summary>
/// AdaLoRA's shared description (Zhang et al., ICLR 2023, "Adaptive Budget Allocation for Parameter-Efficient
/// Fine-Tuning"; PEFT's <c>AdaLoraConfig</c>): the initial rank r (PEFT's <c>init_r</c>, default 12), the target average
/// rank (<c>target_r</c>, 8), α, dropout, the budget schedule (<c>tinit</c>, <c>tfinal</c>, <c>deltaT</c>,
/// <c>total_step</c>), the EMA factors of the importance scores (<c>beta1</c>, <c>beta2</c>, 0.85) and the weight of the
/// orthogonal regularizer (<c>orth_reg_weight</c>, 0.5), with PEFT's checks: target below initial rank,
/// <c>tinit &lt; total_step − tfinal</c> (a budgeting phase exists), betas in (0, 1), a weight ≥ 0.
/// </summary>
internal static class AdaLoRAMethod
{
    /// <summary>PEFT's <c>init_r</c> default.</summary>
    public const int DefaultRank = 12;

    /// <summary>PEFT's <c>target_r</c> default.</summary>
    public const int DefaultTargetRank = 8;

    /// <summary>PEFT's <c>beta1</c> / <c>beta2</c> default.</summary>
    public const double DefaultBeta = 0.85;

    /// <summary>PEFT's <c>orth_reg_weight</c> default.</summary>
    public const double DefaultOrthRegWeight = 0.5;

    /// <summary>PEFT's <c>ranknum + 1e-5</c>: the divisor of the scale.</summary>
    public const double RankEpsilon = 1e-5;

    public static readonly AdapterMethodInfo Info = new(
        AdapterMethod.AdaLoRA,
        "AdaLoRA",
        "AdaLoRA",
        ["Linear"],
        [
            AdapterMethods.Rank(DefaultRank),
            new("TargetRank", AdapterArgumentKind.Int32, DefaultTargetRank, "≥ 0", AdapterMethods.AdaLoRATargetRankId, static r => r >= 0),
            LoRAMethod.Alpha,
            LoRAMethod.Info.FindArgument("Dropout")!,
            new("Tinit", AdapterArgumentKind.Int32, 0, "≥ 0", AdapterMethods.AdaLoRAScheduleId, static t => t >= 0),
            new("Tfinal", AdapterArgumentKind.Int32, 0, "≥ 0", AdapterMethods.AdaLoRAScheduleId, static t => t >= 0),
            new("DeltaT", AdapterArgumentKind.Int32, 1, "≥ 1", AdapterMethods.AdaLoRAScheduleId, static t => t >= 1),
            // 0 = not set (PEFT has no default); the rule Tinit + Tfinal < TotalSteps then asks for a value.
            new("TotalSteps", AdapterArgumentKind.Int32, 0, "≥ 0", AdapterMethods.AdaLoRAScheduleId, static t => t >= 0),
            new("Beta1", AdapterArgumentKind.Double, DefaultBeta, "in (0, 1)", AdapterMethods.AdaLoRAHyperparameterId, IsBeta),
            new("Beta2", AdapterArgumentKind.Double, DefaultBeta, "in (0, 1)", AdapterMethods.AdaLoRAHyperparameterId, IsBeta),
            new("OrthRegWeight", AdapterArgumentKind.Double, DefaultOrthRegWeight, "finite and ≥ 0", AdapterMethods.AdaLoRAHyperparameterId,
                static w => w >= 0 && !double.IsInfinity(w)),
        ],
        LoRAMethod.FitsShape,
        rankIsInnerDimension: true,
        [
            new("TargetRank", "TargetRank < Rank (the budget shrinks from the initial rank)", AdapterMethods.AdaLoRATargetRankId,
                static a => a("TargetRank") < a("Rank")),
            new("TotalSteps", "Tinit + Tfinal < TotalSteps (a budgeting phase between warm-up and final fine-tuning)", AdapterMethods.AdaLoRAScheduleId,
                static a => a("Tinit") < a("TotalSteps") - a("Tfinal")),
        ]);

    /// <summary>
    /// PEFT's <c>scaling / (ranknum + 1e-5)</c>: <c>scaling = α</c> (r when α ≤ 0) and <c>ranknum</c> the initial rank, which
    /// stays the divisor after the budget masks triplets (and after a resized adapter is loaded).
    /// </summary>
    public static double Scale(double alpha, int rank) => (alpha > 0 ? alpha : rank) / (rank + RankEpsilon);

    /// <summary>β in (0, 1), as PEFT's RankAllocator asserts (NaN fails).</summary>
    public static bool IsBeta(double beta) => beta > 0 && beta < 1;
}
