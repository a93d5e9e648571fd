namespace Peft.IO;

/// <summary>
/// DoRA in Hugging Face PEFT's format: a LoRA config with <c>use_dora: true</c>; per module LoRA's <c>lora_A.weight</c>
/// <c>[r, in]</c> and <c>lora_B.weight</c> <c>[out, r]</c> plus the magnitude <c>lora_magnitude_vector</c> <c>[out]</c>
/// (PEFT 0.21 saves it without a <c>.weight</c> suffix: <c>LoraModel._get_adapter_state_dict</c> strips it).
/// </summary>
internal sealed class DoRAPeftFormat : PeftMethodFormat
{
    public static readonly DoRAPeftFormat Instance = new();

    /// <summary>The key suffix of the magnitude vector after the module path.</summary>
    public const string MagnitudeSuffix = ".lora_magnitude_vector";

    private DoRAPeftFormat()
    {
    }

    public override string Name => "DoRA";

    /// <summary>LoRA configs with <c>use_dora</c> (MoRA's fork has no DoRA).</summary>
    public override bool Reads(PeftAdapterConfig config) => config.PeftType == LoRAPeftFormat.LoRAPeftType && config.UseDora && !config.IsMoRA;

    /// <summary>LoRA's factors (embedding keys are recognised, then refused when they load) and the magnitude vector <c>[out]</c>.</summary>
    public override IReadOnlyList<PeftModuleTensorName> ModuleTensors { get; } = [.. LoRAPeftFormat.FactorNames, new(MagnitudeSuffix[1..], 1)];

    /// <summary>As LoRA (DoRA files are LoRA files with <c>use_dora</c>, which the config printed below shows).</summary>
    public override string Describe(PeftAdapterConfig config) => LoRAPeftFormat.Instance.Describe(config);

    public override string DescribeModule(PeftModuleTensors module, PeftAdapterConfig config) => LoRAPeftFormat.Instance.DescribeModule(module, config);

    public override bool IsEmbeddingTensor(string name) => LoRAPeftFormat.Instance.IsEmbeddingTensor(name);

    /// <summary>LoRA's factor checks; the magnitude's length is checked against the layer when it loads or merges.</summary>
    public override void CheckModule(string source, PeftModuleTensors module, PeftAdapterConfig config) =>
        LoRAPeftFormat.Instance.CheckModule(source, module, config);

    /// <summary>The magnitude key of the module at <paramref name="modulePath"/>: <c>base_model.model.&lt;path&gt;.lora_magnitude_vector</c>.</summary>
    public static string MagnitudeKey(string modulePath) => PeftKeys.Prefix + modulePath + MagnitudeSuffix;

    public override void Load<T>(Linear<T> layer, PeftModuleTensors module, PeftAdapterDirectory adapter, string adapterName)
    {
        string magnitudeKey = CheckMagnitude(adapter, module, layer.OutFeatures);
        var dora = LoRAPeftFormat.LoadFactors(layer, module, adapter, adapterName, Name,
            lora => layer.AttachDoRA(adapterName, new DoRAOptions
            {
                Rank = lora.Rank, Alpha = lora.Alpha, UseRsLoRA = lora.UseRsLoRA, Dropout = lora.Dropout, Init = lora.Init,
            }),
            static existing => existing is DoRAAdapter<T>);
        adapter.Weights.ReadValues<T>(magnitudeKey, dora.Magnitude.Value);
    }

    /// <summary>
    /// PEFT's DoRA merge on the base weight: <c>W ← (m / ‖W + s·B·A‖_row) ⊙ (W + s·B·A)</c>, rows of the <c>[out, in]</c>
    /// weight (columns of the stored <c>[in, out]</c> one with <c>fan_in_fan_out</c>).
    /// </summary>
    public override void AddDelta(double[] w, int outF, int inF, PeftModuleTensors module, PeftAdapterDirectory adapter, SafetensorsTensorInfo weight)
    {
        LoRAPeftFormat.Instance.AddDelta(w, outF, inF, module, adapter, weight);
        double[] magnitude = adapter.Weights.ReadValues<double>(CheckMagnitude(adapter, module, outF));
        bool fanInFanOut = adapter.Config.FanInFanOut;
        for (int o = 0; o < outF; o++)
        {
            double sum = 0;
            for (int i = 0; i < inF; i++)
            {
                double value = w[fanInFanOut ? i * outF + o : o * inF + i];
                sum += value * value;
            }

            double factor = magnitude[o] / Math.Sqrt(sum);
            for (int i = 0; i < inF; i++)
            {
                w[fanInFanOut ? i * outF + o : o * inF + i] *= factor;
            }
        }
    }

    /// <summary>The module's magnitude key, checked: present, a float vector of <paramref name="outFeatures"/> values.</summary>
    private static string CheckMagnitude(PeftAdapterDirectory adapter, PeftModuleTensors module, int outFeatures)
    {
        string key = MagnitudeKey(module.ModulePath);
        if (!adapter.Weights.TryGetTensor(key, out var tensor))
        {
            throw new InvalidDataException($"{adapter.Weights.Source}: DoRA module '{module.ModulePath}' has no '{key}' (use_dora is set in the config).");
        }

        if (!tensor.DType.IsConvertibleFloat() || tensor.Shape.Length != 1 || tensor.Shape[0] != outFeatures)
        {
            throw new InvalidDataException(
                $"{adapter.Weights.Source}: DoRA tensor '{key}' is {tensor.DType} {tensor.ShapeText}; expected a float vector [{outFeatures}] (one magnitude per output row).");
        }

        return key;
    }
}
