namespace Peft.Quantization;

/// <summary>
/// How <see cref="ModuleQuantizationExtensions.QuantizeBase"/> stores a model's frozen base for QLoRA, as
/// transformers' <c>BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4")</c> does.
/// </summary>
public sealed record NF4Options
{
    /// <summary>Quantize the block scales too (<c>bnb_4bit_use_double_quant</c>); default true, as in the QLoRA paper.</summary>
    public bool DoubleQuantize { get; init; } = true;

    /// <summary>
    /// Modules kept at full precision, matched by full path or by last path segment. Default <c>lm_head</c>:
    /// transformers keeps the output head unquantized (<c>llm_int8_skip_modules</c>), and a head tied to the
    /// embedding table is skipped in any case.
    /// </summary>
    public IReadOnlyList<string> SkipModules { get; init; } = ["lm_head"];
}
