namespace Peft;

/// <summary>How a LoKr adapter's factors start (PEFT's <c>init_weights</c>); every choice but <see cref="Random"/> starts with ΔW = 0.</summary>
public enum LoKrInit
{
    /// <summary>PEFT's default (<c>init_weights=True</c>): W1 (or W1a) zero, the rest Kaiming-uniform with a = √5.</summary>
    Default = Methods.LoKrMethod.DefaultInit,

    /// <summary>As the LyCORIS repository (<c>init_weights="lycoris"</c>): W2 (or W2b) zero, the rest Kaiming-uniform.</summary>
    LyCORIS = Methods.LoKrMethod.LyCORISInit,

    /// <summary>Every factor Kaiming-uniform (<c>init_weights=False</c>): ΔW ≠ 0 from the start.</summary>
    Random = Methods.LoKrMethod.RandomInit,
}
