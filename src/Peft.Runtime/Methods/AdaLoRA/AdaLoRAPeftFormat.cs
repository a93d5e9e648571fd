using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// AdaLoRA in Hugging Face PEFT's format: <c>peft_type</c> "ADALORA", LoRA's config fields plus <c>init_r</c>,
/// <c>target_r</c>, <c>tinit</c>, <c>tfinal</c>, <c>deltaT</c>, <c>beta1</c>, <c>beta2</c>, <c>orth_reg_weight</c>,
/// <c>total_step</c> and <c>rank_pattern</c> (per <c>&lt;path&gt;.lora_E</c>, the kept triplets; null before any allocation);
/// per module the <c>ParameterDict</c> entries <c>lora_A</c> <c>[r', in]</c>, <c>lora_E</c> <c>[r', 1]</c> and
/// <c>lora_B</c> <c>[out, r']</c> without <c>.weight</c>, r' the kept triplets (<c>init_r</c> without a rank pattern). The
/// scale is <c>α/(init_r + 10⁻⁵)</c> whatever r' is (PEFT keeps <c>ranknum</c> when it resizes a module).
/// </summary>
internal static class AdaLoRAPeftFormat
{
    /// <summary>PEFT's <c>peft_type</c> of AdaLoRA.</summary>
    public const string PeftType = "ADALORA";

    /// <summary>The key of A after the module path.</summary>
    public const string ASuffix = "lora_A";

    /// <summary>The key of B after the module path.</summary>
    public const string BSuffix = "lora_B";

    /// <summary>The key of E after the module path (also the rank pattern's key).</summary>
    public const string ESuffix = "lora_E";

    /// <summary>PEFT's <c>LoraConfig.r</c> default, which AdaLoRA ignores (it builds every module at <c>init_r</c>).</summary>
    private const int UnusedLoRARank = 8;

    /// <summary>Sets AdaLoRA's fields of <paramref name="config"/> (built as a LoRA config) from the adapter's options and rank pattern.</summary>
    public static void WriteConfig(PeftAdapterConfig config, AdaLoRAOptions options, Dictionary<string, bool[]>? rankPattern)
    {
        config.PeftType = PeftType;
        config.R = UnusedLoRARank;
        config.RankPattern = null;
        config.AlphaPattern = [];
        config.AdaLoRARankPattern = rankPattern;
        config.LoraAlpha = options.Alpha;
        config.LoraDropout = options.Dropout;
        config.UseRsLoRA = false;
        config.UseDora = false;
        config.InitLoraWeights = "true";
        var fields = config.AdditionalFields ??= [];
        fields["init_r"] = JsonSerializer.SerializeToElement(options.Rank, PeftJsonContext.Default.Int32);
        fields["target_r"] = JsonSerializer.SerializeToElement(options.TargetRank, PeftJsonContext.Default.Int32);
        fields["tinit"] = JsonSerializer.SerializeToElement(options.Tinit, PeftJsonContext.Default.Int32);
        fields["tfinal"] = JsonSerializer.SerializeToElement(options.Tfinal, PeftJsonContext.Default.Int32);
        fields["deltaT"] = JsonSerializer.SerializeToElement(options.DeltaT, PeftJsonContext.Default.Int32);
        fields["total_step"] = JsonSerializer.SerializeToElement(options.TotalSteps, PeftJsonContext.Default.Int32);
        fields["beta1"] = JsonSerializer.SerializeToElement(options.Beta1, PeftJsonContext.Default.Double);
        fields["beta2"] = JsonSerializer.SerializeToElement(options.Beta2, PeftJsonContext.Default.Double);
        fields["orth_reg_weight"] = JsonSerializer.SerializeToElement(options.OrthRegWeight, PeftJsonContext.Default.Double);
    }

    /// <summary>The options an AdaLoRA config describes (PEFT's defaults for absent fields; <c>total_step</c> is required, as PEFT requires it).</summary>
    /// <exception cref="InvalidDataException">A field has the wrong type, or <c>total_step</c> is missing.</exception>
    public static AdaLoRAOptions ReadOptions(PeftAdapterConfig config, string source)
    {
        var defaults = new AdaLoRAOptions();
        return new AdaLoRAOptions
        {
            Rank = Int(config, "init_r", defaults.Rank, source),
            TargetRank = Int(config, "target_r", defaults.TargetRank, source),
            Alpha = config.LoraAlpha,
            Dropout = config.LoraDropout,
            Tinit = Int(config, "tinit", defaults.Tinit, source),
            Tfinal = Int(config, "tfinal", defaults.Tfinal, source),
            DeltaT = Int(config, "deltaT", defaults.DeltaT, source),
            TotalSteps = Int(config, "total_step", null, source),
            Beta1 = Double(config, "beta1", defaults.Beta1, source),
            Beta2 = Double(config, "beta2", defaults.Beta2, source),
            OrthRegWeight = Double(config, "orth_reg_weight", defaults.OrthRegWeight, source),
        };
    }

    private static int Int(PeftAdapterConfig config, string name, int? fallback, string source)
    {
        if (config.AdditionalFields?.TryGetValue(name, out var value) != true || value.ValueKind == JsonValueKind.Null)
        {
            return fallback ?? throw new InvalidDataException($"{source}: AdaLoRA config has no '{name}' (PEFT requires it).");
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : throw new InvalidDataException($"{source}: AdaLoRA config field '{name}' is {value.GetRawText()}, expected an integer.");
    }

    private static double Double(PeftAdapterConfig config, string name, double fallback, string source)
    {
        if (config.AdditionalFields?.TryGetValue(name, out var value) != true || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new InvalidDataException($"{source}: AdaLoRA config field '{name}' is {value.GetRawText()}, expected a number.");
    }
}
