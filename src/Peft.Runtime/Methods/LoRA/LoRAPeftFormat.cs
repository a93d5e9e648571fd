using System.Numerics;
using Peft.Kernels;

namespace Peft.IO;

/// <summary>
/// LoRA (and LoRA+, which saves as LoRA) in Hugging Face PEFT's format: <c>lora_A.weight</c> <c>[r, in]</c>,
/// <c>lora_B.weight</c> <c>[out, r]</c>, scale from <c>lora_alpha</c> / <c>alpha_pattern</c> and <c>use_rslora</c>;
/// on an embedding (PEFT's <c>lora.Embedding</c>) <c>lora_embedding_A</c> <c>[r, num]</c> and <c>lora_embedding_B</c>
/// <c>[dim, r]</c> with the same scale and <c>ΔW = s·(B·A)ᵀ</c> <c>[num, dim]</c>.
/// </summary>
internal sealed class LoRAPeftFormat : PeftMethodFormat
{
    public static readonly LoRAPeftFormat Instance = new();

    private LoRAPeftFormat()
    {
    }

    /// <summary>LoRA's per-module tensors: <c>lora_A.weight</c> / <c>lora_B.weight</c> on a Linear, <c>lora_embedding_A/B</c> on an embedding.</summary>
    internal static readonly PeftModuleTensorName[] FactorNames =
    [
        new(PeftModuleTensors.LoRAAName, 2), new(PeftModuleTensors.LoRABName, 2),
        new(PeftModuleTensors.LoRAEmbeddingAName, 2), new(PeftModuleTensors.LoRAEmbeddingBName, 2),
    ];

    public override string Name => "LoRA";

    /// <summary>Every LoRA config without the MoRA fork's <c>use_mora</c> and without <c>use_dora</c>.</summary>
    public override bool Reads(PeftAdapterConfig config) => config.PeftType == LoRAPeftType && !config.IsMoRA && !config.UseDora;

    /// <summary>The <c>peft_type</c> of LoRA, and of the LoRA-family variants PEFT keeps in its LoRA tuner (DoRA, the MoRA fork).</summary>
    internal const string LoRAPeftType = "LORA";

    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors => FactorNames;

    public override bool IsEmbeddingTensor(string name) => name is PeftModuleTensors.LoRAEmbeddingAName or PeftModuleTensors.LoRAEmbeddingBName;

    /// <summary>lora_A <c>[r, in]</c> and lora_B <c>[out, r]</c> (or the embedding pair) of one rank, the config's rank for the module.</summary>
    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config)
    {
        var (a, b) = Pair(source, module);
        if (b.Shape[1] != a.Shape[0])
        {
            throw new InvalidDataException(
                $"{source}: module '{module.ModulePath}' has {Label(module, a)} {a.ShapeText} (expected [r, in]) and {Label(module, b)} {b.ShapeText} (expected [out, r]); the ranks {a.Shape[0]} and {b.Shape[1]} differ.");
        }

        // PEFT builds the layer from the config's rank and scales by it, so the weights must agree.
        int configRank = config.RankFor(module.ModulePath);
        if (configRank != a.Shape[0])
        {
            throw new InvalidDataException(
                $"{source}: module '{module.ModulePath}' has rank {a.Shape[0]} in the weights ({Label(module, a)} {a.ShapeText}) but r = {configRank} in the config.");
        }
    }

    public override string Describe(PeftAdapterConfig config) =>
        $"method: LoRA, r {config.R}, lora_alpha {config.LoraAlpha}, scale {(config.UseRsLoRA ? "alpha/sqrt(r) (rsLoRA)" : "alpha/r")}";

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config) =>
        $"  module {module.ModulePath}: r {module.Rank}, in {module.InFeatures}, out {module.OutFeatures}, scale {config.ScaleFor(module.ModulePath, module.Rank):G6}";

    /// <summary>A LoRA-family module's A and B, both present (the error names the key that is there and the one that is missing).</summary>
    internal static (SafetensorsTensorInfo A, SafetensorsTensorInfo B) Pair(string source, PeftModuleTensors module)
    {
        string path = module.ModulePath;
        bool hasA = module.TryGet(module.IsEmbedding ? PeftModuleTensors.LoRAEmbeddingAName : PeftModuleTensors.LoRAAName, out var a);
        bool hasB = module.TryGet(module.IsEmbedding ? PeftModuleTensors.LoRAEmbeddingBName : PeftModuleTensors.LoRABName, out var b);
        if (hasA && !hasB)
        {
            throw new InvalidDataException($"{source}: module '{path}' has {a.Name} but no {(module.IsEmbedding ? PeftKeys.LoRAEmbeddingB(path) : PeftKeys.LoRAB(path))}.");
        }

        if (!hasA)
        {
            string present = hasB ? b.Name : string.Join(", ", module.Tensors.Values.Select(t => t.Name));
            throw new InvalidDataException($"{source}: module '{path}' has {present} but no {(module.IsEmbedding ? PeftKeys.LoRAEmbeddingA(path) : PeftKeys.LoRAA(path))}.");
        }

        return (a, b);
    }

    /// <summary>The tensor's name after the module path without <c>.weight</c>: <c>lora_A</c>, <c>lora_B</c>, <c>lora_embedding_A</c> or <c>lora_embedding_B</c>.</summary>
    private static string Label(PeftModuleTensors module, SafetensorsTensorInfo tensor)
    {
        string name = tensor.Name[(PeftKeys.Prefix.Length + module.ModulePath.Length + 1)..];
        return name.EndsWith(".weight", StringComparison.Ordinal) ? name[..^".weight".Length] : name;
    }

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName) =>
        LoadFactors(layer, module, adapter, adapterName, Name,
            options => layer.AttachLoRA(adapterName, options), static existing => existing is LoRAAdapter<T> and not (DoRAAdapter<T> or AdaLoRAAdapter<T>));

    /// <summary>
    /// Reads one module's <c>lora_A</c> / <c>lora_B</c> into the layer's adapter <paramref name="adapterName"/> of a LoRA-family
    /// method (<paramref name="isMethod"/>): attached with the file's options by <paramref name="attach"/> when absent, else
    /// checked for the file's rank and scale.
    /// </summary>
    internal static TAdapter LoadFactors<T, TAdapter>(
        Linear<T> layer,
        PeftModuleTensors module,
        PeftAdapterDirectory adapter,
        string adapterName,
        string method,
        Func<LoRAOptions, TAdapter> attach,
        Func<Adapter<T>, bool> isMethod)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TAdapter : LoRAAdapter<T>
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        if (module.InFeatures != layer.InFeatures || module.OutFeatures != layer.OutFeatures)
        {
            throw new InvalidDataException(
                $"{source}: module '{path}' has lora_A {module.A.ShapeText} and lora_B {module.B.ShapeText}, which do not fit Linear [{layer.OutFeatures}, {layer.InFeatures}] (expected [r, {layer.InFeatures}] and [{layer.OutFeatures}, r]).");
        }

        var options = Options(adapter.Config, module);
        TAdapter lora;
        if (layer.Adapters.TryGet(adapterName, out var existing))
        {
            lora = isMethod(existing) ? (TAdapter)existing : throw Mismatch(source, path, adapterName, existing.GetType().Name, method);
            if (lora.Rank != module.Rank || Math.Abs(lora.Options.Scale - options.Scale) > 1e-12 * Math.Abs(options.Scale))
            {
                throw Mismatch(source, path, adapterName, $"{method} rank {lora.Rank}, scale {lora.Options.Scale}", $"{method} rank {module.Rank}, scale {options.Scale}");
            }
        }
        else
        {
            lora = Attach(source, path, () => attach(options));
        }

        adapter.Weights.ReadValues<T>(module.A.Name, lora.A.Value);
        adapter.Weights.ReadValues<T>(module.B.Name, lora.B.Value);
        return lora;
    }

    public override void LoadEmbedding<T>(Embedding<T> embedding, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string source = adapter.Weights.Source;
        string path = module.ModulePath;
        CheckEmbedding(adapter, module, embedding.NumEmbeddings, embedding.EmbeddingDim, $"Embedding [{embedding.NumEmbeddings}, {embedding.EmbeddingDim}]");
        var options = Options(adapter.Config, module);
        EmbeddingLoRAAdapter<T> lora;
        if (embedding.Adapter is { } existing)
        {
            // An embedding holds one adapter: it must be this one, of the file's rank and scale.
            if (existing.Name != adapterName || existing.Rank != module.Rank || Math.Abs(existing.Scaling - options.Scale) > 1e-12 * Math.Abs(options.Scale))
            {
                throw Mismatch(source, path, adapterName, $"embedding LoRA '{existing.Name}' rank {existing.Rank}, scale {existing.Scaling}", $"LoRA rank {module.Rank}, scale {options.Scale}");
            }

            lora = existing;
        }
        else
        {
            lora = Attach(source, path, () => embedding.AttachLoRA(adapterName, options));
        }

        adapter.Weights.ReadValues<T>(module.A.Name, lora.A.Value);
        adapter.Weights.ReadValues<T>(module.B.Name, lora.B.Value);
    }

    public override void AddEmbeddingDelta(double[] w, int num, int dim, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        CheckEmbedding(adapter, module, num, dim, $"base '{weight.Name}' {weight.ShapeText}");
        int r = module.Rank;
        double s = adapter.Config.ScaleFor(module.ModulePath, r);
        double[] a = adapter.Weights.ReadValues<double>(module.A.Name);
        double[] b = adapter.Weights.ReadValues<double>(module.B.Name);

        // PEFT's Embedding.get_delta_weight: ΔW = (B·A)ᵀ·s, so W[num, dim] += s·Aᵀ[num, r]·Bᵀ[r, dim]
        Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.Transpose, num, dim, r, s, a, num, b, r, 1.0, w, dim);
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

    /// <summary>The options PEFT builds the layer from: rank of the weights, α from the config (per-module patterns), rsLoRA, dropout, init.</summary>
    private static LoRAOptions Options(PeftAdapterConfig config, PeftModuleTensors module) => new()
    {
        Rank = module.Rank,
        Alpha = config.AlphaFor(module.ModulePath),
        UseRsLoRA = config.UseRsLoRA,
        Dropout = config.LoraDropout,
        Init = config.InitLoraWeights == "gaussian" ? LoRAInit.Gaussian : LoRAInit.KaimingUniform,
    };

    /// <summary>lora_embedding_A must be <c>[r, num]</c> and lora_embedding_B <c>[dim, r]</c>; the error names both keys and shapes.</summary>
    private static void CheckEmbedding(PeftAdapterDirectory adapter, PeftModuleTensors module, int num, int dim, string target)
    {
        if (!module.IsEmbedding)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: module '{module.ModulePath}' is an embedding ({target}), but the file holds Linear LoRA weights '{module.A.Name}' and '{module.B.Name}' (expected lora_embedding_A / lora_embedding_B).");
        }

        if (module.InFeatures != num || module.OutFeatures != dim)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: module '{module.ModulePath}' has '{module.A.Name}' {module.A.ShapeText} and '{module.B.Name}' {module.B.ShapeText}, which do not fit {target} (expected [r, {num}] and [{dim}, r]).");
        }
    }
}
