namespace Peft.Methods;

/// <summary>
/// The adapter methods, one per folder under <c>src/Peft.Runtime/Methods</c>. This file is compiled into the
/// runtime, the source generator and the analyzers (linked source): every <c>switch</c> over it has no
/// <c>default</c>, so adding a member breaks the build (CS8509) at every place that must learn the method.
/// </summary>
internal enum AdapterMethod
{
    /// <summary><c>[LoRA]</c>: <c>y = W0·x + s·B·(A·x)</c>.</summary>
    LoRA,

    /// <summary><c>[LoRAPlus]</c>: the LoRA forward pass, B trained at <c>lr·ratio</c>.</summary>
    LoRAPlus,

    /// <summary><c>[MoRA]</c>: one square matrix M between compression and decompression.</summary>
    MoRA,

    /// <summary><c>[DoRA]</c>: LoRA's direction rescaled per output row, <c>y = b + (m/‖W0 + s·B·A‖) ⊙ (W0·x + s·B·A·x)</c>.</summary>
    DoRA,

    /// <summary><c>[LoHa]</c>: a Hadamard product of two low-rank products, <c>ΔW = s·(W1a·W1b) ⊙ (W2a·W2b)</c>.</summary>
    LoHa,

    /// <summary><c>[LoKr]</c>: a Kronecker product, <c>ΔW = s·(W1 ⊗ W2)</c>, W2 (and W1) optionally low-rank.</summary>
    LoKr,
}
