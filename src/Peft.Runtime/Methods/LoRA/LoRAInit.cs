namespace Peft;

/// <summary>How LoRA's A matrix is initialised (B always starts at zero, so the adapter starts as a no-op).</summary>
public enum LoRAInit
{
    /// <summary>Kaiming-uniform with a = √5, PEFT's default (<c>init_lora_weights=True</c>).</summary>
    KaimingUniform,

    /// <summary>Gaussian with standard deviation 1/r (PEFT's <c>init_lora_weights="gaussian"</c>).</summary>
    Gaussian,
}
