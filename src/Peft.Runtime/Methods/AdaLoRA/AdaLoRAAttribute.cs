namespace Peft;

/// <summary>
/// Adds an AdaLoRA adapter to the annotated layer (PEFT's <c>AdaLoraConfig</c>): the SVD-form update
/// <c>y = W0·x + α/(r + 10⁻⁵)·B·(E ⊙ A)·x</c> with <c>A ∈ R^{r×in}</c> (right singular vectors), <c>E ∈ R^{r}</c>
/// (singular values) and <c>B ∈ R^{out×r}</c> (left singular vectors), whose triplets are masked during training by
/// importance until the average rank reaches <see cref="TargetRank"/> (<see cref="AdaLoRARankAllocator"/>; the
/// <see cref="Training.Trainer"/> runs it). The source generator emits the rank-specialized kernel; analyzers check
/// the values (<c>TargetRank &lt; Rank</c>, <c>Tinit + Tfinal &lt; TotalSteps</c>, betas in (0, 1)).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
public sealed class AdaLoRAAttribute : Attribute
{
    /// <summary>The initial rank r of every matrix (PEFT's <c>init_r</c>, default 12): at least 1, at most min(in, out).</summary>
    public int Rank { get; set; } = Methods.AdaLoRAMethod.DefaultRank;

    /// <summary>The target average rank after budgeting (PEFT's <c>target_r</c>, default 8): below <see cref="Rank"/>.</summary>
    public int TargetRank { get; set; } = Methods.AdaLoRAMethod.DefaultTargetRank;

    /// <summary>α, the numerator of the scale <c>α/(r + 10⁻⁵)</c> (r itself when α ≤ 0, as PEFT); finite. PEFT's default is 8.</summary>
    public double Alpha { get; set; } = Methods.LoRAMethod.DefaultAlpha;

    /// <summary>Dropout probability on the adapter's input, in [0, 1).</summary>
    public double Dropout { get; set; }

    /// <summary>Warm-up steps at the full budget (PEFT's <c>tinit</c>).</summary>
    public int Tinit { get; set; }

    /// <summary>Final steps at the target budget with the rank pattern fixed (PEFT's <c>tfinal</c>).</summary>
    public int Tfinal { get; set; }

    /// <summary>Steps between two budget allocations (PEFT's <c>deltaT</c>, default 1).</summary>
    public int DeltaT { get; set; } = 1;

    /// <summary>The run's total optimizer steps (PEFT's <c>total_step</c>); required, above <c>Tinit + Tfinal</c>.</summary>
    public int TotalSteps { get; set; }

    /// <summary>EMA factor of the sensitivity (PEFT's <c>beta1</c>, default 0.85), in (0, 1).</summary>
    public double Beta1 { get; set; } = Methods.AdaLoRAMethod.DefaultBeta;

    /// <summary>EMA factor of the uncertainty (PEFT's <c>beta2</c>, default 0.85), in (0, 1).</summary>
    public double Beta2 { get; set; } = Methods.AdaLoRAMethod.DefaultBeta;

    /// <summary>Weight of the orthogonal regularizer <c>‖AAᵀ − I‖_F + ‖BᵀB − I‖_F</c> (PEFT's <c>orth_reg_weight</c>, default 0.5), ≥ 0.</summary>
    public double OrthRegWeight { get; set; } = Methods.AdaLoRAMethod.DefaultOrthRegWeight;
}
