namespace Peft;

/// <summary>
/// Adds a LoRA adapter to the annotated layer: <c>y = W0·x + s·B·(A·x)</c> with
/// <c>A ∈ R^{r×in}</c>, <c>B ∈ R^{out×r}</c> and <c>s = Alpha/Rank</c> (rsLoRA: <c>Alpha/√Rank</c>).
/// The source generator emits rank-specialized code for the layer; analyzers check the values. On a class, with
/// <see cref="TargetModules"/>, it adapts the named modules of a model the user did not write; several attributes
/// with disjoint targets may share a class.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LoRAAttribute : Attribute
{
    /// <summary>The rank r (at least 1, at most min(in, out)). PEFT's default is 8.</summary>
    public int Rank { get; set; } = Methods.LoRAMethod.DefaultRank;

    /// <summary>α, the numerator of the scale; any finite value, as in PEFT. PEFT's default is 8.</summary>
    public double Alpha { get; set; } = Methods.LoRAMethod.DefaultAlpha;

    /// <summary>Use rank-stabilised scaling <c>α/√r</c> instead of <c>α/r</c>.</summary>
    public bool UseRsLoRA { get; set; }

    /// <summary>Dropout probability on the adapter's input, in [0, 1).</summary>
    public double Dropout { get; set; }

    /// <summary>How A is initialised.</summary>
    public LoRAInit Init { get; set; } = LoRAInit.KaimingUniform;

    /// <summary>
    /// Class level only: on a <c>partial</c> class deriving from a library model (for example
    /// <c>Peft.Models.LlamaForCausalLM</c>), the names of the <c>Linear</c> modules to adapt, as PEFT's
    /// <c>target_modules</c>: a name matches every module whose path equals it or ends with <c>"." + name</c>
    /// (<c>q_proj</c> matches <c>model.layers.0.self_attn.q_proj</c> in every decoder layer). The generator resolves
    /// the names against the model's module names (<see cref="ModuleNameAttribute"/>) at compile time and emits
    /// <c>AttachAdapters</c>; a name that matches no <c>Linear</c> or that another attribute of the class also claims
    /// is an error (PEFT0040, PEFT0041). On a field or property it is an error (PEFT0042): the member is the target.
    /// </summary>
    public string[]? TargetModules { get; set; }
}
