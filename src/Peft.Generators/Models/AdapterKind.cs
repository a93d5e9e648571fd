namespace Peft.Generators.Models;

/// <summary>Which adapter attribute annotates a layer.</summary>
internal enum AdapterKind
{
    /// <summary><c>[LoRA]</c>: <c>y = W0·x + s·B·(A·x)</c>.</summary>
    LoRA,

    /// <summary><c>[LoRAPlus]</c>: the LoRA forward pass, B trained at <c>lr·ratio</c>.</summary>
    LoRAPlus,

    /// <summary><c>[MoRA]</c>: one square matrix M between compression and decompression.</summary>
    MoRA,
}
