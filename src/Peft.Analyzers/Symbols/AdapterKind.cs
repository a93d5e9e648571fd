namespace Peft.Analyzers.Symbols;

/// <summary>Which adapter attribute a piece of <c>AttributeData</c> is.</summary>
internal enum AdapterKind
{
    /// <summary>Not an adapter attribute.</summary>
    None,

    /// <summary><c>[LoRA]</c>.</summary>
    LoRA,

    /// <summary><c>[LoRAPlus]</c>.</summary>
    LoRAPlus,

    /// <summary><c>[MoRA]</c>.</summary>
    MoRA,
}
