using System.Numerics;
using System.Text.Json;
using Peft.Kernels;

namespace Peft.IO;

/// <summary>
/// AdaLoRA in Hugging Face PEFT's format: <c>peft_type</c> "ADALORA", LoRA's config fields plus <c>init_r</c>,
/// <c>target_r</c>, <c>tinit</c>, <c>tfinal</c>, <c>deltaT</c>, <c>beta1</c>, <c>beta2</c>, <c>orth_reg_weight</c>,
/// <c>total_step</c> and <c>rank_pattern</c> (per <c>&lt;path&gt;.lora_E</c>, the kept triplets; null before any allocation);
/// per module the <c>ParameterDict</c> entries <c>lora_A</c> <c>[r', in]</c>, <c>lora_E</c> <c>[r', 1]</c> and
/// <c>lora_B</c> <c>[out, r']</c> without <c>.weight</c>, r' the kept triplets (<c>init_r</c> without a rank pattern). The
/// scale is <c>α/(init_r + 10⁻⁵)</c> whatever r' is (PEFT keeps <c>ranknum</c> when it resizes a module). Loading puts the
/// kept triplets back at their places among the <c>init_r</c> (the dropped ones zero, E masked) and keeps the pattern, so the
/// forward pass equals PEFT's resized module and saving again writes the same files.
/// </summary>
internal sealed class AdaLoRAPeftFormat : PeftMethodFormat
{
    public static readonly AdaLoRAPeftFormat Instance = new();

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

    private AdaLoRAPeftFormat()
    {
    }

    public override string Name => "AdaLoRA";

    public override bool Reads(PeftAdapterConfig config) => config.PeftType == PeftType;

    /// <summary>The three <c>ParameterDict</c> entries, each of which is empty for a module the budget dropped entirely.</summary>
    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors { get; } =
        [new(ASuffix, 2, MayBeEmpty: true), new(BSuffix, 2, MayBeEmpty: true), new(ESuffix, 2, MayBeEmpty: true)];

    /// <summary>A <c>[r', in]</c>, E <c>[r', 1]</c>, B <c>[out, r']</c>; r' = <c>init_r</c>, or the kept count of the module's rank pattern.</summary>
    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config)
    {
        string path = module.ModulePath;
        var options = ReadOptions(config, source);
        var (a, e, b) = Triplet(source, module);
        long rank = a.Shape[0];
        if (e.Shape[0] != rank || e.Shape[1] != 1 || b.Shape[1] != rank || (rank > 0 && a.Shape[1] == 0) || b.Shape[0] == 0)
        {
            throw new InvalidDataException(
                $"{source}: AdaLoRA module '{path}' has lora_A {a.ShapeText}, lora_E {e.ShapeText} and lora_B {b.ShapeText}; expected [r, in], [r, 1] and [out, r] of one rank r.");
        }

        bool[]? kept = Kept(config, path, options.Rank, source);
        long expected = kept is null ? options.Rank : kept.Count(k => k);
        if (rank != expected)
        {
            throw new InvalidDataException(kept is null
                ? $"{source}: AdaLoRA module '{path}' has rank {rank} (lora_A {a.ShapeText}) but init_r = {options.Rank} and no rank_pattern entry '{path}.{ESuffix}'."
                : $"{source}: AdaLoRA module '{path}' has rank {rank} (lora_A {a.ShapeText}) but its rank_pattern keeps {expected} of {options.Rank} triplets.");
        }
    }

    public override string Describe(PeftAdapterConfig config)
    {
        var options = ReadOptions(config, PeftAdapterDirectory.ConfigFileName);
        return $"method: AdaLoRA, init_r {options.Rank} -> target_r {options.TargetRank}, lora_alpha {options.Alpha}, scale alpha/(init_r + 1e-5) = {options.Scale:G6}, " +
            $"total_step {options.TotalSteps}, rank_pattern {(config.AdaLoRARankPattern is null ? "none (full rank)" : "saved")}";
    }

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config)
    {
        var a = module.Get(ASuffix);
        var b = module.Get(BSuffix);
        return $"  module {module.ModulePath}: r {a.Shape[0]} of {ReadOptions(config, PeftAdapterDirectory.ConfigFileName).Rank}, in {a.Shape[1]}, out {b.Shape[0]}";
    }

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var options = ReadOptions(adapter.Config, source);
        var (a, e, b) = Triplet(source, module);
        int rank = (int)a.Shape[0];
        if ((rank > 0 && a.Shape[1] != layer.InFeatures) || b.Shape[0] != layer.OutFeatures)
        {
            throw new InvalidDataException(
                $"{source}: AdaLoRA module '{path}' has lora_A {a.ShapeText} and lora_B {b.ShapeText}, which do not fit Linear [{layer.OutFeatures}, {layer.InFeatures}].");
        }

        bool[]? kept = Kept(adapter.Config, path, options.Rank, source);
        if (kept is not null && rank != options.Rank && options.Alpha <= 0)
        {
            // PEFT rebuilds a resized module with scaling = r' when lora_alpha ≤ 0; this adapter scales by its initial rank.
            throw new InvalidDataException($"{source}: AdaLoRA module '{path}' was resized by its rank_pattern and lora_alpha is {options.Alpha} ≤ 0; only lora_alpha > 0 loads.");
        }

        AdaLoRAAdapter<T> target;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            target = existing as AdaLoRAAdapter<T> ?? throw Mismatch(source, path, adapterName, existing.GetType().Name, Name);
            if (target.Rank != options.Rank || Math.Abs(target.Options.Scale - options.Scale) > 1e-12 * Math.Abs(options.Scale))
            {
                throw Mismatch(source, path, adapterName, $"AdaLoRA rank {target.Rank}, scale {target.Options.Scale}", $"AdaLoRA init_r {options.Rank}, scale {options.Scale}");
            }
        }
        else
        {
            target = Attach(source, path, () => layer.AttachAdaLoRA(adapterName, options));
        }

        // The file's rows are the kept triplets in order; the dropped ones are zero (E masked), as if never there.
        T[] fileA = adapter.Weights.ReadValues<T>(a.Name), fileE = adapter.Weights.ReadValues<T>(e.Name), fileB = adapter.Weights.ReadValues<T>(b.Name);
        int inF = layer.InFeatures, outF = layer.OutFeatures, full = options.Rank;
        Array.Clear(target.A.Value);
        Array.Clear(target.E.Value);
        Array.Clear(target.B.Value);
        int row = 0;
        for (int k = 0; k < full; k++)
        {
            if (kept is not null && !kept[k])
            {
                continue;
            }

            fileA.AsSpan(row * inF, inF).CopyTo(target.A.Value.AsSpan(k * inF, inF));
            target.E.Value[k] = fileE[row];
            for (int o = 0; o < outF; o++)
            {
                target.B.Value[o * full + k] = fileB[o * rank + row];
            }

            row++;
        }

        if (kept is not null)
        {
            target.SetRankPattern(kept);
        }
    }

    /// <summary>PEFT's <c>get_delta_weight</c>: <c>ΔW = B'·(A' ⊙ E')·scaling/(init_r + 10⁻⁵)</c> over the kept triplets, transposed with <c>fan_in_fan_out</c>.</summary>
    public override void AddDelta(double[] w, int outF, int inF, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        string source = adapter.Weights.Source;
        var options = ReadOptions(adapter.Config, source);
        var (a, e, b) = Triplet(source, module);
        int rank = (int)a.Shape[0];
        if ((rank > 0 && a.Shape[1] != inF) || b.Shape[0] != outF)
        {
            throw new InvalidDataException(
                $"{source}: AdaLoRA module '{module.ModulePath}' lora_A {a.ShapeText} and lora_B {b.ShapeText} do not fit base '{weight.Name}' {weight.ShapeText} (out {outF}, in {inF}).");
        }

        if (rank == 0)
        {
            return;
        }

        // scaling = lora_alpha, or r' when lora_alpha ≤ 0 (PEFT's update_layer for the resized module); ranknum stays init_r.
        double scale = (options.Alpha > 0 ? options.Alpha : rank) / (options.Rank + Methods.AdaLoRAMethod.RankEpsilon);
        double[] scaledA = adapter.Weights.ReadValues<double>(a.Name);
        double[] values = adapter.Weights.ReadValues<double>(e.Name);
        double[] bValues = adapter.Weights.ReadValues<double>(b.Name);
        for (int k = 0; k < rank; k++)
        {
            // (A ⊙ E)[k, :] = E[k]·A[k, :]
            System.Numerics.Tensors.TensorPrimitives.Multiply(scaledA.AsSpan(k * inF, inF), values[k], scaledA.AsSpan(k * inF, inF));
        }

        if (adapter.Config.FanInFanOut)
        {
            // W[in, out] += s·(B·Ã)ᵀ = s·Ãᵀ·Bᵀ
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.Transpose, inF, outF, rank, scale, scaledA, inF, bValues, rank, 1.0, w, outF);
        }
        else
        {
            // W[out, in] += s·B[out, r']·Ã[r', in]
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, outF, inF, rank, scale, bValues, rank, scaledA, inF, 1.0, w, inF);
        }
    }

    /// <summary>The module's lora_A, lora_E and lora_B, all present (the error names the missing key).</summary>
    private static (SafetensorsTensorInfo A, SafetensorsTensorInfo E, SafetensorsTensorInfo B) Triplet(string source, PeftModuleTensors module)
    {
        SafetensorsTensorInfo Get(string name) => module.TryGet(name, out var tensor)
            ? tensor
            : throw new InvalidDataException(
                $"{source}: AdaLoRA module '{module.ModulePath}' has {string.Join(", ", module.Tensors.Values.Select(t => t.Name))} but no {PeftKeys.Prefix}{module.ModulePath}.{name}.");
        return (Get(ASuffix), Get(ESuffix), Get(BSuffix));
    }

    /// <summary>The module's rank_pattern entry (<c>&lt;path&gt;.lora_E</c>), checked to list <paramref name="rank"/> triplets; null when there is none.</summary>
    private static bool[]? Kept(PeftAdapterConfig config, string path, int rank, string source)
    {
        if (config.AdaLoRARankPattern is not { } pattern || !pattern.TryGetValue(path + "." + ESuffix, out bool[]? kept))
        {
            if (config.RankPattern is { Count: > 0 })
            {
                throw new InvalidDataException($"{source}: an AdaLoRA config's rank_pattern lists kept triplets per '<module>.lora_E', not ranks.");
            }

            return null;
        }

        return kept.Length == rank
            ? kept
            : throw new InvalidDataException($"{source}: rank_pattern['{path}.{ESuffix}'] lists {kept.Length} triplets, but init_r = {rank}.");
    }

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
