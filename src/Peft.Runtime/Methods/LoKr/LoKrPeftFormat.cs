using System.Text.Json;
using Peft.Methods;

namespace Peft.IO;

/// <summary>
/// LoKr in Hugging Face PEFT's format: <c>peft_type</c> <c>LOKR</c>, <c>LoKrConfig</c>'s fields (<c>decompose_both</c>,
/// <c>decompose_factor</c>, <c>rank_dropout_scale</c>, <c>init_weights</c> true / false / "lycoris"), per module W1 as
/// <c>lokr_w1</c> <c>[a, c]</c> or <c>lokr_w1_a</c> <c>[a, r]</c> · <c>lokr_w1_b</c> <c>[r, c]</c>, and W2 likewise
/// (<c>lokr_w2</c> or <c>lokr_w2_a</c> · <c>lokr_w2_b</c>).
/// </summary>
internal sealed class LoKrPeftFormat : LyCORISPeftFormat
{
    public static readonly LoKrPeftFormat Instance = new();

    private LoKrPeftFormat()
    {
    }

    public override string Name => "LoKr";

    public override string PeftType => "LOKR";

    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors { get; } =
        [new("lokr_w1", 2), new("lokr_w1_a", 2), new("lokr_w1_b", 2), new("lokr_w2", 2), new("lokr_w2_a", 2), new("lokr_w2_b", 2)];

    /// <summary>
    /// W1 and W2 each whole or as a product of rank r (the config's), and the split they imply the one PEFT's
    /// <c>factorization</c> and decomposition rule give for <c>in = c·d</c>, <c>out = a·b</c>.
    /// </summary>
    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config)
    {
        string path = module.ModulePath;
        int rank = config.RankFor(path);
        var (a, c, w1Product) = Factor(source, module, "lokr_w1", rank);
        var (b, d, w2Product) = Factor(source, module, "lokr_w2", rank);
        var options = (LoKrOptions)Options(config, path);
        var expected = LoKrShape.For(c * d, a * b, options.DecomposeFactor);
        var stored = new LoKrShape(a, b, c, d);
        bool products = w1Product == LoKrMethod.DecomposesW1(rank, options.DecomposeBoth, a, c) && w2Product == LoKrMethod.DecomposesW2(rank, b, d);
        if (expected != stored || !products)
        {
            throw new InvalidDataException(
                $"{source}: LoKr module '{path}' holds {Text(stored, w1Product, w2Product)} for Linear [{a * b}, {c * d}], but decompose_factor " +
                $"{options.DecomposeFactor}, decompose_both {(options.DecomposeBoth ? "true" : "false")} and r = {rank} give " +
                $"{Text(expected, LoKrMethod.DecomposesW1(rank, options.DecomposeBoth, expected.OutLeft, expected.InLeft), LoKrMethod.DecomposesW2(rank, expected.OutRight, expected.InRight))}.");
        }
    }

    public override string Describe(PeftAdapterConfig config) =>
        $"{base.Describe(config)}, decompose_factor {Number(config, "decompose_factor", LoKrMethod.DefaultFactor)}, decompose_both {(Flag(config, "decompose_both", false) ? "true" : "false")}";

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config)
    {
        var (a, c, w1Product) = Factor(PeftAdapterDirectory.WeightsFileName, module, "lokr_w1", config.RankFor(module.ModulePath));
        var (b, d, w2Product) = Factor(PeftAdapterDirectory.WeightsFileName, module, "lokr_w2", config.RankFor(module.ModulePath));
        return $"  module {module.ModulePath}: in {c * d}, out {a * b}, ΔW = s·(W1 ⊗ W2), {Text(new LoKrShape(a, b, c, d), w1Product, w2Product)}";
    }

    public override LyCORISOptions Options(PeftAdapterConfig config, string path) => new LoKrOptions
    {
        Rank = RankOf(config, path),
        Alpha = AlphaOf(config, path),
        RankDropout = Number(config, "rank_dropout", 0),
        ModuleDropout = Number(config, "module_dropout", 0),
        RankDropoutScale = Flag(config, "rank_dropout_scale", false),
        DecomposeBoth = Flag(config, "decompose_both", false),
        DecomposeFactor = Factor(config),
        Init = Init(config),
    };

    public override Dictionary<string, JsonElement> Fields(LyCORISOptions options)
    {
        var lokr = (LoKrOptions)options;
        var fields = CommonFields(options);
        fields["rank_dropout_scale"] = Json(lokr.RankDropoutScale);
        fields["decompose_both"] = Json(lokr.DecomposeBoth);
        fields["decompose_factor"] = Json(lokr.DecomposeFactor);
        fields["init_weights"] = lokr.Init switch
        {
            LoKrInit.Default => Json(true),
            LoKrInit.LyCORIS => Json("lycoris"),
            LoKrInit.Random => Json(false),
            var other => throw new ArgumentException($"Unknown LoKr init {(int)other}.", nameof(options)),
        };
        return fields;
    }

    protected override Adapter<T> Attach<T>(Linear<T> layer, string name, LyCORISOptions options) => layer.AttachLoKr(name, (LoKrOptions)options);

    protected override bool Matches<T>(Adapter<T> existing, LyCORISOptions options) =>
        existing is LoKrAdapter<T> lokr && options is LoKrOptions wanted && lokr.Options.Rank == wanted.Rank && lokr.Options.Alpha == wanted.Alpha &&
        lokr.Options.DecomposeFactor == wanted.DecomposeFactor && lokr.Options.DecomposeBoth == wanted.DecomposeBoth;

    /// <summary>W (<paramref name="name"/>) of the module: its rows and columns, and whether it is stored as the product of <c>_a</c> and <c>_b</c>.</summary>
    private static (int Rows, int Columns, bool Product) Factor(string source, PeftModuleTensors module, string name, int rank)
    {
        string path = module.ModulePath;
        bool whole = module.TryGet(name, out var w);
        bool hasA = module.TryGet(name + "_a", out var wa);
        bool hasB = module.TryGet(name + "_b", out var wb);
        if (whole && !hasA && !hasB)
        {
            return ((int)w.Shape[0], (int)w.Shape[1], false);
        }

        if (!whole && hasA && hasB)
        {
            if (wa.Shape[1] != rank || wb.Shape[0] != rank)
            {
                throw new InvalidDataException(
                    $"{source}: LoKr module '{path}' has {name}_a {wa.ShapeText} and {name}_b {wb.ShapeText}; with r = {rank} in the config they must be [rows, {rank}] and [{rank}, columns].");
            }

            return ((int)wa.Shape[0], (int)wb.Shape[1], true);
        }

        throw new InvalidDataException(
            $"{source}: LoKr module '{path}' needs either {name} or both {name}_a and {name}_b, but holds {string.Join(", ", module.Tensors.Keys)}.");
    }

    private static string Text(LoKrShape shape, bool w1Product, bool w2Product) =>
        $"W1 [{shape.OutLeft}, {shape.InLeft}]{(w1Product ? " = lokr_w1_a·lokr_w1_b" : "")} ⊗ W2 [{shape.OutRight}, {shape.InRight}]{(w2Product ? " = lokr_w2_a·lokr_w2_b" : "")}";

    private static int Factor(PeftAdapterConfig config)
    {
        double factor = Number(config, "decompose_factor", LoKrMethod.DefaultFactor);
        return factor == Math.Floor(factor) && factor >= int.MinValue && factor <= int.MaxValue
            ? (int)factor
            : throw new InvalidDataException($"{PeftAdapterDirectory.ConfigFileName}: field 'decompose_factor' is {factor}, expected an integer.");
    }

    /// <summary>PEFT's <c>init_weights</c>: true, false or "lycoris".</summary>
    private static LoKrInit Init(PeftAdapterConfig config) => Field(config, "init_weights") switch
    {
        null => LoKrInit.Default,
        { ValueKind: JsonValueKind.True } => LoKrInit.Default,
        { ValueKind: JsonValueKind.False } => LoKrInit.Random,
        { ValueKind: JsonValueKind.String } value when value.GetString() == "lycoris" => LoKrInit.LyCORIS,
        { } value => throw FieldError("init_weights", value, "true, false or \"lycoris\""),
    };
}
