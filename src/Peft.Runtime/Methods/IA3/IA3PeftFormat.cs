using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// IA³ in Hugging Face PEFT's format (<c>peft_type</c> "IA3", PEFT's <c>IA3Config</c>: <c>target_modules</c>,
/// <c>feedforward_modules</c>, <c>exclude_modules</c>, <c>fan_in_fan_out</c>, <c>init_ia3_weights</c>; no r, no bias field):
/// per module <c>ia3_l</c> (a ParameterDict entry, no <c>.weight</c>), <c>[out, 1]</c>, or <c>[1, in]</c> on a module that
/// <c>feedforward_modules</c> names (a list: the path ends with an entry; a string: a regular expression matching the whole path).
/// </summary>
internal sealed class IA3PeftFormat : PeftMethodFormat
{
    public static readonly IA3PeftFormat Instance = new();

    public const string PeftType = "IA3";
    public const string ScaleName = "ia3_l";
    private const string FeedForwardField = "feedforward_modules";

    private IA3PeftFormat()
    {
    }

    public override string Name => "IA³";

    public override bool Reads(PeftAdapterConfig config) => config.PeftType == PeftType;

    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors { get; } = [new(ScaleName, 2)];

    /// <summary>IA3Config has neither LoRA's fields nor <c>r</c> and <c>bias</c>.</summary>
    public override IReadOnlyCollection<string> AbsentConfigKeys { get; } = [.. PeftAdapterConfig.LoRAOnlyKeys, "r", "bias"];

    /// <summary><c>ia3_l</c> is a row <c>[1, in]</c> on a feed-forward module, else a column <c>[out, 1]</c>.</summary>
    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config)
    {
        var scale = module.Get(ScaleName);
        bool feedForward = IsFeedForward(config, module.ModulePath);
        if (feedForward ? scale.Shape[0] != 1 : scale.Shape[1] != 1)
        {
            throw new InvalidDataException(
                $"{source}: IA³ tensor '{scale.Name}' is {scale.ShapeText}; module '{module.ModulePath}' is {(feedForward ? "" : "not ")}in feedforward_modules, " +
                $"so PEFT expects {(feedForward ? "[1, in]" : "[out, 1]")}.");
        }
    }

    public override string Describe(PeftAdapterConfig config) =>
        $"method: IA³, feedforward_modules " + (config.AdditionalFields?.TryGetValue(FeedForwardField, out var ff) == true ? ff.ValueKind switch
        {
            JsonValueKind.Array => "[" + string.Join(", ", ff.EnumerateArray().Select(e => e.ToString())) + "]",
            JsonValueKind.String => ff.GetString(),
            _ => "none",
        } : "none");

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config)
    {
        var scale = module.Get(ScaleName);
        return $"  module {module.ModulePath}: ia3_l {scale.ShapeText}, scales the {(scale.Shape[0] == 1 && scale.Shape[1] != 1 || IsFeedForward(config, module.ModulePath) ? "input" : "output")}";
    }

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var scale = module.Get(ScaleName);
        bool feedForward = IsFeedForward(adapter.Config, path);
        int width = feedForward ? layer.InFeatures : layer.OutFeatures;
        if (scale.Shape[0] * scale.Shape[1] != width)
        {
            throw new InvalidDataException(
                $"{source}: IA³ tensor '{scale.Name}' is {scale.ShapeText}, which does not fit Linear [{layer.OutFeatures}, {layer.InFeatures}] " +
                $"(expected {(feedForward ? $"[1, {width}]" : $"[{width}, 1]")}).");
        }

        IA3Adapter<T> ia3;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            ia3 = existing as IA3Adapter<T> ?? throw Mismatch(source, path, adapterName, existing.GetType().Name, "IA³");
            if (ia3.Options.FeedForward != feedForward)
            {
                throw Mismatch(source, path, adapterName, $"IA³ on the {(ia3.Options.FeedForward ? "input" : "output")}", $"IA³ on the {(feedForward ? "input" : "output")}");
            }
        }
        else
        {
            ia3 = Attach(source, path, () => layer.AttachIA3(adapterName, new IA3Options { FeedForward = feedForward }));
        }

        adapter.Weights.ReadValues<T>(scale.Name, ia3.Scale.Value);
    }

    /// <summary>PEFT's merge on the weight: <c>W ← W ⊙ l</c> by rows, or by columns on a feed-forward module (transposed with <c>fan_in_fan_out</c>).</summary>
    public override void AddDelta(double[] w, int outF, int inF, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        bool feedForward = IsFeedForward(adapter.Config, module.ModulePath);
        double[] l = adapter.Weights.ReadValues<double>(module.Get(ScaleName).Name);
        if (l.Length != (feedForward ? inF : outF))
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: IA³ module '{module.ModulePath}' has ia3_l of {l.Length} values, which does not fit base '{weight.Name}' {weight.ShapeText} " +
                $"({(feedForward ? $"in {inF}, feed-forward" : $"out {outF}")}).");
        }

        bool fanInFanOut = adapter.Config.FanInFanOut;
        for (int o = 0; o < outF; o++)
        {
            for (int i = 0; i < inF; i++)
            {
                w[fanInFanOut ? i * outF + o : o * inF + i] *= l[feedForward ? i : o];
            }
        }
    }

    /// <summary>PEFT's merge also scales the bias of a module that is not feed-forward: <c>b ← b ⊙ l</c>.</summary>
    public override double[]? BiasFactors(PeftModuleTensors module, PeftAdapterDirectory adapter) =>
        IsFeedForward(adapter.Config, module.ModulePath) ? null : adapter.Weights.ReadValues<double>(module.Get(ScaleName).Name);

    /// <summary>IA3Config's fields: <c>feedforward_modules</c> (the feed-forward layers' paths, or null), <c>exclude_modules</c>, <c>init_ia3_weights</c>.</summary>
    internal static void WriteFields(PeftAdapterConfig config, IReadOnlyList<string> feedForward)
    {
        var fields = config.AdditionalFields ??= [];
        fields[FeedForwardField] = JsonDocument.Parse(feedForward.Count == 0 ? "null" : JsonSerializer.Serialize(feedForward.ToArray(), PeftJsonContext.Default.StringArray)).RootElement.Clone();
        config.SetNullFieldUnlessPresent("exclude_modules");
        config.SetField("init_ia3_weights", config.Field("init_ia3_weights", true));
    }

    /// <summary>PEFT's <c>_check_target_module_feedforward</c>: a list entry the path ends with, or a pattern matching the whole path.</summary>
    private static bool IsFeedForward(PeftAdapterConfig config, string path)
    {
        if (config.AdditionalFields is null || !config.AdditionalFields.TryGetValue(FeedForwardField, out var value))
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null => false,
            JsonValueKind.String => PeftPattern.IsMatch(path, $"^(?:{value.GetString()})$", value.GetString()!),
            JsonValueKind.Array => value.EnumerateArray().Any(entry => entry.ValueKind == JsonValueKind.String && path.EndsWith(entry.GetString()!, StringComparison.Ordinal)),
            _ => throw new InvalidDataException($"{PeftAdapterDirectory.ConfigFileName}: {FeedForwardField} is {value.ValueKind}; expected a list of names, a regular expression or null."),
        };
    }
}
