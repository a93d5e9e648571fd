using System.Numerics;
using Peft.Kernels;

namespace Peft.IO;

/// <summary>
/// LoRA (and LoRA+, which saves as LoRA) in Hugging Face PEFT's format: <c>lora_A.weight</c> <c>[r, in]</c>,
/// <c>lora_B.weight</c> <c>[out, r]</c>, scale from <c>lora_alpha</c> / <c>alpha_pattern</c> and <c>use_rslora</c>.
/// </summary>
internal sealed class LoRAPeftFormat : PeftMethodFormat
{
    public static readonly LoRAPeftFormat Instance = new();

    private LoRAPeftFormat()
    {
    }

    public override string Name => "LoRA";

    /// <summary>Every LoRA config without the MoRA fork's <c>use_mora</c>.</summary>
    public override bool Reads(PeftAdapterConfig config) => !config.IsMoRA;

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        var config = adapter.Config;
        if (module.InFeatures != layer.InFeatures || module.OutFeatures != layer.OutFeatures)
        {
            throw new InvalidDataException(
                $"{source}: module '{path}' has lora_A {module.A.ShapeText} and lora_B {module.B.ShapeText}, which do not fit Linear [{layer.OutFeatures}, {layer.InFeatures}] (expected [r, {layer.InFeatures}] and [{layer.OutFeatures}, r]).");
        }

        var options = new LoRAOptions
        {
            Rank = module.Rank,
            Alpha = config.AlphaFor(path),
            UseRsLoRA = config.UseRsLoRA,
            Dropout = config.LoraDropout,
            Init = config.InitLoraWeights == "gaussian" ? LoRAInit.Gaussian : LoRAInit.KaimingUniform,
        };
        LoRAAdapter<T> lora;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            lora = existing as LoRAAdapter<T> ?? throw Mismatch(source, path, adapterName, existing.GetType().Name, "LoRA");
            if (lora.Rank != module.Rank || Math.Abs(lora.Options.Scale - options.Scale) > 1e-12 * Math.Abs(options.Scale))
            {
                throw Mismatch(source, path, adapterName, $"LoRA rank {lora.Rank}, scale {lora.Options.Scale}", $"LoRA rank {module.Rank}, scale {options.Scale}");
            }
        }
        else
        {
            lora = Attach(source, path, () => layer.AttachLoRA(adapterName, options));
        }

        adapter.Weights.ReadValues<T>(module.A.Name, lora.A.Value);
        adapter.Weights.ReadValues<T>(module.B.Name, lora.B.Value);
    }

    public override void AddDelta(double[] w, int outF, int inF, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        var config = adapter.Config;
        if (module.InFeatures != inF || module.OutFeatures != outF)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: module '{module.ModulePath}' lora_A {module.A.ShapeText} and lora_B {module.B.ShapeText} do not fit base '{weight.Name}' {weight.ShapeText} (out {outF}, in {inF}{(config.FanInFanOut ? ", fan_in_fan_out" : "")}).");
        }

        int r = module.Rank;
        double s = config.ScaleFor(module.ModulePath, r);
        double[] a = adapter.Weights.ReadValues<double>(module.A.Name);
        double[] b = adapter.Weights.ReadValues<double>(module.B.Name);
        if (config.FanInFanOut)
        {
            // W[in, out] += s·(B·A)ᵀ = s·Aᵀ·Bᵀ
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.Transpose, inF, outF, r, s, a, inF, b, r, 1.0, w, outF);
        }
        else
        {
            // W[out, in] += s·B[out, r]·A[r, in]
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, outF, inF, r, s, b, r, a, inF, 1.0, w, inF);
        }
    }
}
