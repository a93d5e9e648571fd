using System.Numerics;

namespace Peft.IO;

/// <summary>
/// MoRA in the official MoRA fork's PEFT format: <c>peft_type</c> <c>LORA</c> with <c>use_mora</c> and
/// <c>mora_type</c>; the square M <c>[r̂, r̂]</c> is stored under both <c>lora_A</c> and <c>lora_B</c>.
/// </summary>
internal sealed class MoRAPeftFormat : PeftMethodFormat
{
    public static readonly MoRAPeftFormat Instance = new();

    private MoRAPeftFormat()
    {
    }

    public override string Name => "MoRA";

    public override bool Reads(PeftAdapterConfig config) => config.PeftType == LoRAPeftFormat.LoRAPeftType && config.IsMoRA;

    /// <summary>The fork stores M under LoRA's keys (embedding keys are recognised, then refused when they load).</summary>
    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors => LoRAPeftFormat.FactorNames;

    public override string Describe(PeftAdapterConfig config) =>
        $"method: MoRA (mora_type {(int)config.GetMoRAType()}, {config.GetMoRAType()}), r {config.R}";

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config) => $"  module {module.ModulePath}: M [{module.Rank}, {module.Rank}]";

    public override bool IsEmbeddingTensor(string name) => LoRAPeftFormat.Instance.IsEmbeddingTensor(name);

    /// <summary>Official MoRA: lora_B is the same module as lora_A, so both keys hold the square M <c>[r̂, r̂]</c>.</summary>
    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config)
    {
        var (a, b) = LoRAPeftFormat.Pair(source, module);
        if (a.Shape[0] != a.Shape[1] || b.Shape[0] != a.Shape[0] || b.Shape[1] != a.Shape[1])
        {
            throw new InvalidDataException(
                $"{source}: MoRA module '{module.ModulePath}' has lora_A {a.ShapeText} and lora_B {b.ShapeText}; expected the same square M [r̂, r̂] under both keys.");
        }
    }

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var type = adapter.Config.GetMoRAType();
        int rank = adapter.Config.RankFor(path);
        int squareRank = MoRAShape.ComputeSquareRank(layer.InFeatures, layer.OutFeatures, rank, type);
        if (squareRank != module.Rank)
        {
            throw new InvalidDataException(
                $"{source}: MoRA module '{path}' stores M {module.A.ShapeText}, but r = {rank} on Linear [{layer.OutFeatures}, {layer.InFeatures}] gives r̂ = {squareRank} ({type}).");
        }

        var m = adapter.Weights.ReadValues<T>(module.A.Name);
        var mB = adapter.Weights.ReadValues<T>(module.B.Name);
        if (!m.AsSpan().SequenceEqual(mB))
        {
            throw new InvalidDataException(
                $"{source}: MoRA module '{path}' has different lora_A and lora_B; the official format stores the same M under both keys.");
        }

        MoRAAdapter<T> mora;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            mora = existing as MoRAAdapter<T> ?? throw Mismatch(source, path, adapterName, existing.GetType().Name, "MoRA");
            if (mora.SquareRank != squareRank || mora.Options.Type != type)
            {
                throw Mismatch(source, path, adapterName, $"MoRA {mora.Options.Type} r̂ {mora.SquareRank}", $"MoRA {type} r̂ {squareRank}");
            }
        }
        else
        {
            mora = Attach(source, path, () => layer.AttachMoRA(adapterName, new MoRAOptions { Rank = rank, Type = type }));
        }

        m.CopyTo(mora.M.Value, 0);
    }


    public override void AddDelta(double[] w, int outF, int inF, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        var config = adapter.Config;
        bool fanInFanOut = config.FanInFanOut;
        var type = config.GetMoRAType();
        int rank = config.RankFor(module.ModulePath);
        int squareRank = MoRAShape.ComputeSquareRank(inF, outF, rank, type);
        if (squareRank != module.Rank)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: MoRA module '{module.ModulePath}' stores M {module.A.ShapeText}, but r = {rank} with in {inF}, out {outF} gives r̂ = {squareRank} ({type}).");
        }

        // The adapters' own MoRA operators build ΔW exactly: ΔW[:, i] = decompress(M·compress(e_i)).
        var layer = new Linear<double>(inF, outF, bias: false);
        var mora = layer.AttachMoRA("merge", new MoRAOptions { Rank = rank, Type = type });
        adapter.Weights.ReadValues<double>(module.A.Name, mora.M.Value);
        var delta = new double[outF * inF];
        mora.ComputeDeltaWeight(delta);
        for (int o = 0; o < outF; o++)
        {
            for (int i = 0; i < inF; i++)
            {
                w[fanInFanOut ? i * outF + o : o * inF + i] += delta[o * inF + i];
            }
        }
    }
}
