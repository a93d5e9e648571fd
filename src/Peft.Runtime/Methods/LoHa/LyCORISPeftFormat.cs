using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// What PEFT's LyCORIS-family formats (LoHa, LoKr) share: a config class of their own (<c>LycorisConfig</c>: <c>r</c>,
/// <c>alpha</c>, <c>rank_dropout</c>, <c>module_dropout</c>, <c>rank_pattern</c>, <c>alpha_pattern</c>, … and none of
/// LoRA's fields), per-module tensors held in <c>nn.ParameterDict</c>s (keys without <c>.weight</c>), and loading that
/// copies each adapter parameter from the tensor of the same name after checking its shape.
/// </summary>
internal abstract class LyCORISPeftFormat : PeftMethodFormat
{
    /// <summary>The modelled LoRA fields <c>LycorisConfig</c> does not have (it has <c>rank_pattern</c> and <c>alpha_pattern</c>).</summary>
    public override IReadOnlyCollection<string> AbsentConfigKeys { get; } =
        ["bias", "fan_in_fan_out", "init_lora_weights", "lora_alpha", "lora_dropout", "mora_type", "use_dora", "use_mora", "use_rslora"];

    /// <summary>The method's <c>peft_type</c> (<c>LOHA</c>, <c>LOKR</c>).</summary>
    public abstract string PeftType { get; }

    public override bool Reads(PeftAdapterConfig config) => config.PeftType == PeftType;

    public override string Describe(PeftAdapterConfig config) =>
        $"method: {Name}, r {config.R}, alpha {Number(config, "alpha", 8)}, scale alpha/r, rank_dropout {Number(config, "rank_dropout", 0)}, module_dropout {Number(config, "module_dropout", 0)}";

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var options = Options(adapter.Config, path);
        Adapter<T> target;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            target = Matches(existing, options) ? existing : throw Mismatch(source, path, adapterName, Describe(existing), $"{Name} {Text(options)}");
        }
        else
        {
            target = Attach(source, path, () => Attach(layer, adapterName, options));
        }

        CopyTensors(target, module, adapter);
    }

    /// <summary>ΔW from the method's own adapter on a <c>Linear&lt;double&gt;</c> of the base weight's shape (PEFT's <c>get_delta_weight</c>).</summary>
    public override void AddDelta(double[] w, int outFeatures, int inFeatures, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        var layer = new Linear<double>(inFeatures, outFeatures, bias: false);
        var options = Options(adapter.Config, module.ModulePath);
        var merged = Attach(adapter.Weights.Source, module.ModulePath, () => Attach(layer, "merge", options));
        CopyTensors(merged, module, adapter);
        var delta = new double[outFeatures * inFeatures];
        merged.ComputeDeltaWeight(delta);
        for (int i = 0; i < delta.Length; i++)
        {
            w[i] += delta[i];
        }
    }

    /// <summary>The adapter's options for the module at <paramref name="path"/>, from the config.</summary>
    public abstract LyCORISOptions Options(PeftAdapterConfig config, string path);

    /// <summary>The config fields of <paramref name="options"/> that are per adapter in PEFT (its <c>LoHaConfig</c> / <c>LoKrConfig</c>, r and α aside).</summary>
    public abstract Dictionary<string, JsonElement> Fields(LyCORISOptions options);

    /// <summary>Attaches the method's adapter with <paramref name="options"/> (runtime kernel).</summary>
    protected abstract Adapter<T> Attach<T>(Linear<T> layer, string name, LyCORISOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>Whether an adapter already on the layer is this method's with the same options.</summary>
    protected abstract bool Matches<T>(Adapter<T> existing, LyCORISOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>The fields LoHa and LoKr share: <c>rank_dropout</c>, <c>module_dropout</c>, <c>use_effective_conv2d</c> (Conv only,
    /// false) and the targeting fields PEFT writes as null when unused.</summary>
    protected static Dictionary<string, JsonElement> CommonFields(LyCORISOptions options) => new()
    {
        ["rank_dropout"] = Json(options.RankDropout),
        ["module_dropout"] = Json(options.ModuleDropout),
        ["use_effective_conv2d"] = Json(false),
        ["exclude_modules"] = Json(null),
        ["layers_pattern"] = Json(null),
        ["layers_to_transform"] = Json(null),
    };

    /// <summary>The module's rank (<c>rank_pattern</c>, else <c>r</c>).</summary>
    protected static int RankOf(PeftAdapterConfig config, string path) => config.RankFor(path);

    /// <summary>The module's α (<c>alpha_pattern</c>, else <c>alpha</c>, PEFT's default 8).</summary>
    protected static double AlphaOf(PeftAdapterConfig config, string path) => config.AlphaFor(path, Number(config, "alpha", 8));

    /// <summary>A number field of the method's config (<paramref name="fallback"/> when absent or null).</summary>
    /// <exception cref="InvalidDataException">The field holds something else.</exception>
    protected static double Number(PeftAdapterConfig config, string key, double fallback) =>
        Field(config, key) is not { } value ? fallback
        : value.ValueKind == JsonValueKind.Number ? value.GetDouble()
        : throw FieldError(key, value, "a number");

    /// <summary>A boolean field of the method's config (<paramref name="fallback"/> when absent or null).</summary>
    /// <exception cref="InvalidDataException">The field holds something else.</exception>
    protected static bool Flag(PeftAdapterConfig config, string key, bool fallback) =>
        Field(config, key) is not { } value ? fallback
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw FieldError(key, value, "true or false");

    /// <summary>The field <paramref name="key"/> of the config, or null when absent or JSON null.</summary>
    protected static JsonElement? Field(PeftAdapterConfig config, string key) =>
        config.AdditionalFields is { } fields && fields.TryGetValue(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    protected static InvalidDataException FieldError(string key, JsonElement value, string expected) =>
        new($"{PeftAdapterDirectory.ConfigFileName}: field '{key}' is {value.GetRawText()}, expected {expected}.");

    /// <summary>A JSON value for a config field: a number, a bool, a string or null.</summary>
    protected static JsonElement Json(object? value)
    {
        string text = value switch
        {
            null => "null",
            bool flag => flag ? "true" : "false",
            string s => "\"" + JsonEncodedText.Encode(s) + "\"",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            int i => i.ToString(CultureInfo.InvariantCulture),
            _ => throw new ArgumentException($"No JSON form for {value.GetType().Name}.", nameof(value)),
        };
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Each adapter parameter from the module's tensor of the same name, its shape checked first.</summary>
    private void CopyTensors<T>(Adapter<T> target, PeftModuleTensors module, PeftAdapterDirectory adapter)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        string source = adapter.Weights.Source;
        foreach (var parameter in target.AdapterParameters)
        {
            if (!module.TryGet(parameter.Name, out var tensor))
            {
                throw new InvalidDataException(
                    $"{source}: module '{module.ModulePath}' has no {PeftKeys.Prefix}{module.ModulePath}.{parameter.Name}, which {Describe(target)} needs " +
                    $"(the file holds {string.Join(", ", module.Tensors.Select(t => $"{t.Key} {t.Value.ShapeText}"))}).");
            }

            if (!SameShape(tensor.Shape, parameter.Shape))
            {
                throw new InvalidDataException(
                    $"{source}: {tensor.Name} is {tensor.ShapeText}, but {Describe(target)} needs {parameter.ShapeText}.");
            }

            adapter.Weights.ReadValues<T>(tensor.Name, parameter.Value);
        }

        foreach (string name in module.Tensors.Keys)
        {
            if (!target.AdapterParameters.Any(p => p.Name == name))
            {
                throw new InvalidDataException(
                    $"{source}: module '{module.ModulePath}' holds {name}, which {Describe(target)} does not have (it has {string.Join(", ", target.AdapterParameters.Select(p => p.Name))}).");
            }
        }
    }

    private static bool SameShape(ReadOnlySpan<long> stored, ReadOnlySpan<int> expected)
    {
        if (stored.Length != expected.Length)
        {
            return false;
        }

        for (int i = 0; i < stored.Length; i++)
        {
            if (stored[i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }

    private string Describe<T>(Adapter<T> adapter)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        adapter is LoKrAdapter<T> lokr ? $"{adapter.Context} ({lokr.Shape})" : adapter.Context;

    private static string Text(LyCORISOptions options) => $"r {options.Rank}, alpha {options.Alpha}";
}
