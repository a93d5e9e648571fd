using Peft.Methods;

namespace Peft;

/// <summary>
/// An AdaLoRA adapter (PEFT's <c>AdaLoraConfig</c>): <see cref="LoRAOptions.Rank"/> is the initial rank (<c>init_r</c>,
/// default 12), the scale is <c>α/(r + 10⁻⁵)</c>, and the budget schedule, EMA factors and orthogonal weight drive the
/// <see cref="AdaLoRARankAllocator"/>. AdaLoRA initialises A and B from N(0, 0.02²) and E at zero as PEFT, and has no
/// rsLoRA: <see cref="LoRAOptions.UseRsLoRA"/> and <see cref="LoRAOptions.Init"/> must keep their defaults.
/// </summary>
public sealed record AdaLoRAOptions : LoRAOptions
{
    /// <summary>Options with PEFT's defaults (initial rank 12, target rank 8); <see cref="TotalSteps"/> must be set.</summary>
    public AdaLoRAOptions() => Rank = AdaLoRAMethod.DefaultRank;

    /// <summary>The target average rank (PEFT's <c>target_r</c>), at least 0 and below <see cref="LoRAOptions.Rank"/>.</summary>
    public int TargetRank { get; init; } = AdaLoRAMethod.DefaultTargetRank;

    /// <summary>Warm-up steps at the full budget (<c>tinit</c>).</summary>
    public int Tinit { get; init; }

    /// <summary>Final steps at the target budget with the rank pattern fixed (<c>tfinal</c>).</summary>
    public int Tfinal { get; init; }

    /// <summary>Steps between budget allocations (<c>deltaT</c>), at least 1.</summary>
    public int DeltaT { get; init; } = 1;

    /// <summary>The run's total optimizer steps (<c>total_step</c>), above <c>Tinit + Tfinal</c>.</summary>
    public int TotalSteps { get; init; }

    /// <summary>EMA factor of the sensitivity <c>|p·∇p|</c> (<c>beta1</c>), in (0, 1).</summary>
    public double Beta1 { get; init; } = AdaLoRAMethod.DefaultBeta;

    /// <summary>EMA factor of the uncertainty (<c>beta2</c>), in (0, 1).</summary>
    public double Beta2 { get; init; } = AdaLoRAMethod.DefaultBeta;

    /// <summary>Weight of the orthogonal regularizer added to the loss (<c>orth_reg_weight</c>), finite and ≥ 0.</summary>
    public double OrthRegWeight { get; init; } = AdaLoRAMethod.DefaultOrthRegWeight;

    /// <summary>PEFT's <c>scaling / (ranknum + 1e-5)</c> with <c>ranknum</c> the initial rank: <c>α/(r + 10⁻⁵)</c>.</summary>
    public override double Scale => AdaLoRAMethod.Scale(Alpha, Rank);

    /// <summary>AdaLoRA adapts Linear layers only (PEFT's AdaLoRA has no embedding layer).</summary>
    internal override bool AppliesToEmbeddings => false;

    /// <summary>The value of the shared description's argument <paramref name="name"/>.</summary>
    internal double Argument(string name) => name switch
    {
        "Rank" => Rank,
        "TargetRank" => TargetRank,
        "Alpha" => Alpha,
        "Dropout" => Dropout,
        "Tinit" => Tinit,
        "Tfinal" => Tfinal,
        "DeltaT" => DeltaT,
        "TotalSteps" => TotalSteps,
        "Beta1" => Beta1,
        "Beta2" => Beta2,
        "OrthRegWeight" => OrthRegWeight,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not an AdaLoRA argument."),
    };

    internal override void Validate(string context, int inFeatures, int outFeatures)
    {
        base.Validate(context, inFeatures, outFeatures);
        if (UseRsLoRA || Init != LoRAInit.KaimingUniform)
        {
            throw new ArgumentException(
                $"{context}: AdaLoRA scales by α/(r + 1e-5) and initialises A, B ~ N(0, 0.02²) and E = 0 (as PEFT); UseRsLoRA and Init do not apply.",
                UseRsLoRA ? nameof(UseRsLoRA) : nameof(Init));
        }

        foreach (AdapterArgument argument in AdaLoRAMethod.Info.Arguments)
        {
            double value = Argument(argument.Name);
            if (!argument.IsValid(value))
            {
                throw new ArgumentException($"{context}: AdaLoRA {argument.Name} must be {argument.ValidValues}, got {value}.", argument.Name);
            }
        }

        if (AdaLoRAMethod.Info.BrokenRule(Argument) is { } rule)
        {
            throw new ArgumentException(
                $"{context}: AdaLoRA needs {rule.Text}; got Rank {Rank}, TargetRank {TargetRank}, Tinit {Tinit}, Tfinal {Tfinal}, TotalSteps {TotalSteps}.",
                rule.Argument);
        }
    }
}
