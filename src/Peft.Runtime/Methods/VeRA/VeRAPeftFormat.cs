using System.Numerics;
using System.Runtime.CompilerServices;

namespace Peft.IO;

/// <summary>
/// VeRA in Hugging Face PEFT's format (<c>peft_type</c> "VERA", PEFT's <c>VeraConfig</c>: <c>r</c>, <c>projection_prng_key</c>,
/// <c>save_projection</c>, <c>vera_dropout</c>, <c>d_initial</c>, …): per module <c>vera_lambda_b</c> <c>[out]</c> and
/// <c>vera_lambda_d</c> <c>[r]</c> (ParameterDict entries, no <c>.weight</c>), and once per file, with <c>save_projection</c>,
/// the shared projections <c>base_model.vera_A</c> <c>[r, in_max]</c> and <c>base_model.vera_B</c> <c>[out_max, r]</c>.
/// Without them the projections are drawn again from <c>projection_prng_key</c>, sized to the largest targeted layer.
/// </summary>
internal sealed class VeRAPeftFormat : PeftMethodFormat
{
    public static readonly VeRAPeftFormat Instance = new();

    public const string PeftType = "VERA";
    public const string ProjectionAKey = "base_model.vera_A";
    public const string ProjectionBKey = "base_model.vera_B";
    public const string LambdaBName = "vera_lambda_b";
    public const string LambdaDName = "vera_lambda_d";

    /// <summary>The projections of each open directory: read from it, or drawn from the key for the model it loads into.</summary>
    private static readonly ConditionalWeakTable<PeftAdapterDirectory, VeRAProjections> ProjectionsOf = [];

    private VeRAPeftFormat()
    {
    }

    public override string Name => "VeRA";

    public override bool Reads(PeftAdapterConfig config) => config.PeftType == PeftType;

    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors { get; } = [new(LambdaBName, 1), new(LambdaDName, 1)];

    public override IReadOnlyList<string> SharedTensorKeys { get; } = [ProjectionAKey, ProjectionBKey];

    /// <summary>VeraConfig has r, bias and fan_in_fan_out, none of LoRA's own fields.</summary>
    public override IReadOnlyCollection<string> AbsentConfigKeys => PeftAdapterConfig.LoRAOnlyKeys;

    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config)
    {
        foreach (string name in new[] { LambdaBName, LambdaDName })
        {
            if (!module.TryGet(name, out _))
            {
                throw new InvalidDataException(
                    $"{source}: VeRA module '{module.ModulePath}' has {string.Join(", ", module.Tensors.Values.Select(t => t.Name))} but no {PeftKeys.Prefix}{module.ModulePath}.{name}.");
            }
        }

        var lambdaD = module.Get(LambdaDName);
        if (lambdaD.Shape[0] != config.R)
        {
            throw new InvalidDataException(
                $"{source}: VeRA tensor '{lambdaD.Name}' is {lambdaD.ShapeText}, but r = {config.R} in the config (λ_d has one value per rank).");
        }
    }

    public override void CheckShared(string source, IReadOnlyDictionary<string, SafetensorsTensorInfo> shared, IReadOnlyList<PeftModuleTensors> modules, PeftAdapterConfig config)
    {
        bool save = SaveProjection(config);
        bool hasA = shared.TryGetValue(ProjectionAKey, out var a), hasB = shared.TryGetValue(ProjectionBKey, out var b);
        if (!save)
        {
            if (hasA || hasB)
            {
                throw new InvalidDataException(
                    $"{source}: save_projection is false in the config, but the file holds {(hasA ? ProjectionAKey : ProjectionBKey)} (PEFT refuses this; set save_projection to true).");
            }

            return;
        }

        if (!hasA || !hasB)
        {
            throw new InvalidDataException(
                $"{source}: save_projection is true in the config, but the file has no {(hasA ? ProjectionBKey : ProjectionAKey)} (the shared VeRA projections).");
        }

        int maxOut = modules.Count == 0 ? 0 : modules.Max(m => (int)m.Get(LambdaBName).Shape[0]);
        if (a is null || b is null || a.Shape.Length != 2 || b.Shape.Length != 2 || a.Shape[0] != config.R || b.Shape[1] != config.R || b.Shape[0] < maxOut)
        {
            throw new InvalidDataException(
                $"{source}: VeRA projections {ProjectionAKey} {a?.ShapeText} and {ProjectionBKey} {b?.ShapeText} do not fit r = {config.R} " +
                $"and the largest vera_lambda_b [{maxOut}] (expected [r, in_max] and [out_max ≥ {maxOut}, r]).");
        }
    }

    public override string Describe(PeftAdapterConfig config) =>
        $"method: VeRA, r {config.R}, projection_prng_key {ProjectionPrngKey(config)}, save_projection {(SaveProjection(config) ? "true" : "false")}, d_initial {DInitial(config)}";

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config) =>
        $"  module {module.ModulePath}: out {module.Get(LambdaBName).Shape[0]}, r {module.Get(LambdaDName).Shape[0]}";

    /// <summary>Without saved projections, draws them from the key sized to the largest layer the file's modules name in <paramref name="model"/>.</summary>
    public override void BeginLoad(Module model, PeftAdapterDirectory adapter)
    {
        if (SaveProjection(adapter.Config))
        {
            return;
        }

        int maxIn = 0, maxOut = 0;
        foreach (var module in adapter.Modules)
        {
            var (inF, outF) = model.FindModule(module.ModulePath) switch
            {
                Linear<float> l => (l.InFeatures, l.OutFeatures),
                Linear<double> l => (l.InFeatures, l.OutFeatures),
                _ => (0, 0),
            };
            maxIn = Math.Max(maxIn, inF);
            maxOut = Math.Max(maxOut, outF);
        }

        if (maxIn > 0)
        {
            ProjectionsOf.AddOrUpdate(adapter, VeRAProjections.Create(adapter.Config.R, maxIn, maxOut, ProjectionPrngKey(adapter.Config)));
        }
    }

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var config = adapter.Config;
        var lambdaB = module.Get(LambdaBName);
        if (lambdaB.Shape[0] != layer.OutFeatures)
        {
            throw new InvalidDataException(
                $"{source}: VeRA tensor '{lambdaB.Name}' is {lambdaB.ShapeText}, which does not fit Linear [{layer.OutFeatures}, {layer.InFeatures}] (expected [{layer.OutFeatures}]).");
        }

        var projections = Projections(adapter);
        VeRAAdapter<T> vera;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            vera = existing as VeRAAdapter<T> ?? throw Mismatch(source, path, adapterName, existing.GetType().Name, "VeRA");
            if (vera.Rank != config.R)
            {
                throw Mismatch(source, path, adapterName, $"VeRA rank {vera.Rank}", $"VeRA rank {config.R}");
            }

            Attach(source, path, () => { vera.UseProjections(projections); return vera; });
        }
        else
        {
            vera = Attach(source, path, () => layer.AttachVeRA(adapterName, Options(config, projections)));
        }

        adapter.Weights.ReadValues<T>(lambdaB.Name, vera.LambdaB.Value);
        adapter.Weights.ReadValues<T>(module.Get(LambdaDName).Name, vera.LambdaD.Value);
    }

    /// <summary>PEFT's get_delta_weight: <c>ΔW = (λ_b ⊙ B[:out, :])·(λ_d ⊙ A[:, :in])</c>, transposed with <c>fan_in_fan_out</c>.</summary>
    public override void AddDelta(double[] w, int outF, int inF, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        var p = Projections(adapter);
        double[] lambdaB = adapter.Weights.ReadValues<double>(module.Get(LambdaBName).Name);
        double[] lambdaD = adapter.Weights.ReadValues<double>(module.Get(LambdaDName).Name);
        if (lambdaB.Length != outF || p.MaxInFeatures < inF || p.MaxOutFeatures < outF)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: VeRA module '{module.ModulePath}' (vera_lambda_b [{lambdaB.Length}], projections [{p.Rank}, {p.MaxInFeatures}] / [{p.MaxOutFeatures}, {p.Rank}]) " +
                $"does not fit base '{weight.Name}' {weight.ShapeText} (out {outF}, in {inF}).");
        }

        double[] a = p.A<double>(), b = p.B<double>();
        bool fanInFanOut = adapter.Config.FanInFanOut;
        for (int o = 0; o < outF; o++)
        {
            for (int i = 0; i < inF; i++)
            {
                double sum = 0;
                for (int k = 0; k < p.Rank; k++)
                {
                    sum += b[o * p.Rank + k] * lambdaD[k] * a[k * p.MaxInFeatures + i];
                }

                w[fanInFanOut ? i * outF + o : o * inF + i] += lambdaB[o] * sum;
            }
        }
    }

    /// <summary>The options PEFT builds each layer from (one config for every layer).</summary>
    internal static VeRAOptions Options(PeftAdapterConfig config, VeRAProjections? projections) => new()
    {
        Rank = config.R,
        ProjectionPrngKey = ProjectionPrngKey(config),
        SaveProjection = SaveProjection(config),
        Dropout = config.Field("vera_dropout", 0.0),
        DInitial = DInitial(config),
        Projections = projections,
    };

    /// <summary>The config fields VeraConfig adds to PEFT's base fields, with PEFT's defaults.</summary>
    internal static void WriteFields(PeftAdapterConfig config, VeRAOptions options)
    {
        config.SetField("projection_prng_key", options.ProjectionPrngKey);
        config.SetField("save_projection", options.SaveProjection);
        config.SetField("vera_dropout", options.Dropout);
        config.SetField("d_initial", options.DInitial);
        config.SetField("init_weights", config.Field("init_weights", true));
        config.SetNullFieldUnlessPresent("layers_to_transform");
        config.SetNullFieldUnlessPresent("layers_pattern");
    }

    private static VeRAProjections Projections(PeftAdapterDirectory adapter)
    {
        if (ProjectionsOf.TryGetValue(adapter, out var cached))
        {
            return cached;
        }

        if (!adapter.SharedTensors.TryGetValue(ProjectionAKey, out var a) || !adapter.SharedTensors.TryGetValue(ProjectionBKey, out var b))
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: the VeRA file has no {ProjectionAKey} / {ProjectionBKey} (save_projection false); load it into a model " +
                "(LoadAdapter draws them from projection_prng_key for the model's layers), it cannot be merged on its own.");
        }

        var projections = VeRAProjections.FromValues((int)a.Shape[0], (int)a.Shape[1], (int)b.Shape[0],
            adapter.Weights.ReadValues<double>(a.Name), adapter.Weights.ReadValues<double>(b.Name));
        ProjectionsOf.AddOrUpdate(adapter, projections);
        return projections;
    }

    private static bool SaveProjection(PeftAdapterConfig config) => config.Field("save_projection", true);

    private static int ProjectionPrngKey(PeftAdapterConfig config) => config.Field("projection_prng_key", 0);

    private static double DInitial(PeftAdapterConfig config) => config.Field("d_initial", Methods.VeRAMethod.DefaultDInitial);
}
