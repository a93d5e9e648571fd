using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// LoHa in Hugging Face PEFT's format: <c>peft_type</c> <c>LOHA</c>, <c>LoHaConfig</c>'s fields, per module
/// <c>hada_w1_a</c>, <c>hada_w2_a</c> <c>[out, r]</c> and <c>hada_w1_b</c>, <c>hada_w2_b</c> <c>[r, in]</c>.
/// </summary>
internal sealed class LoHaPeftFormat : LyCORISPeftFormat
{
    public static readonly LoHaPeftFormat Instance = new();

    private LoHaPeftFormat()
    {
    }

    public override string Name => "LoHa";

    public override string PeftType => "LOHA";

    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors { get; } =
        [new("hada_w1_a", 2), new("hada_w1_b", 2), new("hada_w2_a", 2), new("hada_w2_b", 2)];

    /// <summary>All four factors, <c>hada_w1_a</c> / <c>hada_w2_a</c> <c>[out, r]</c> and <c>hada_w1_b</c> / <c>hada_w2_b</c> <c>[r, in]</c>, r the config's.</summary>
    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config)
    {
        string path = module.ModulePath;
        foreach (var name in ModuleTensors)
        {
            if (!module.TryGet(name.Name, out _))
            {
                throw new InvalidDataException(
                    $"{source}: LoHa module '{path}' has no {PeftKeys.Prefix}{path}.{name.Name} (it holds {string.Join(", ", module.Tensors.Keys)}).");
            }
        }

        var (w1a, w1b, w2a, w2b) = (module.Get("hada_w1_a"), module.Get("hada_w1_b"), module.Get("hada_w2_a"), module.Get("hada_w2_b"));
        int rank = config.RankFor(path);
        bool fits = w1a.Shape[1] == rank && w2a.Shape[1] == rank && w1b.Shape[0] == rank && w2b.Shape[0] == rank &&
            w1a.Shape[0] == w2a.Shape[0] && w1b.Shape[1] == w2b.Shape[1];
        if (!fits)
        {
            throw new InvalidDataException(
                $"{source}: LoHa module '{path}' has hada_w1_a {w1a.ShapeText}, hada_w1_b {w1b.ShapeText}, hada_w2_a {w2a.ShapeText}, hada_w2_b {w2b.ShapeText}; " +
                $"with r = {rank} in the config they must be [out, {rank}], [{rank}, in], [out, {rank}], [{rank}, in].");
        }
    }

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config)
    {
        var w1a = module.Get("hada_w1_a");
        var w1b = module.Get("hada_w1_b");
        return $"  module {module.ModulePath}: r {w1a.Shape[1]}, in {w1b.Shape[1]}, out {w1a.Shape[0]}, ΔW = s·(W1a·W1b) ⊙ (W2a·W2b)";
    }

    public override LyCORISOptions Options(PeftAdapterConfig config, string path) => new LoHaOptions
    {
        Rank = RankOf(config, path),
        Alpha = AlphaOf(config, path),
        RankDropout = Number(config, "rank_dropout", 0),
        ModuleDropout = Number(config, "module_dropout", 0),
        InitWeights = Flag(config, "init_weights", true),
    };

    public override Dictionary<string, JsonElement> Fields(LyCORISOptions options)
    {
        var fields = CommonFields(options);
        fields["init_weights"] = Json(((LoHaOptions)options).InitWeights);
        return fields;
    }

    protected override Adapter<T> Attach<T>(Linear<T> layer, string name, LyCORISOptions options) => layer.AttachLoHa(name, (LoHaOptions)options);

    protected override bool Matches<T>(Adapter<T> existing, LyCORISOptions options) =>
        existing is LoHaAdapter<T> loha && loha.Options.Rank == options.Rank && loha.Options.Alpha == options.Alpha;
}
