namespace Peft.Quantization;

/// <summary>QLoRA's first step: the frozen base of a model stored as 4-bit NormalFloat.</summary>
public static class ModuleQuantizationExtensions
{
    /// <summary>
    /// Quantizes the weight of every <see cref="Linear{T}"/> in <paramref name="model"/> to NF4
    /// (<see cref="Linear{T}.Quantize"/>), except the modules <see cref="NF4Options.SkipModules"/> names and
    /// layers whose weight another module also holds (a tied embedding). Attach adapters before or after;
    /// the quantized layers are frozen. Returns the paths of the layers it quantized.
    /// </summary>
    /// <exception cref="ArgumentException">A weight holds NaN or infinite values (the message names the layer and element).</exception>
    public static IReadOnlyList<string> QuantizeBase(this Module model, NF4Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new NF4Options();
        var holders = new Dictionary<Parameter, int>(ReferenceEqualityComparer.Instance);
        var modules = model.NamedModules().ToList();
        foreach (var (_, module) in modules)
        {
            foreach (var parameter in module.OwnParameters)
            {
                holders[parameter] = holders.GetValueOrDefault(parameter) + 1;
            }
        }

        var quantized = new List<string>();
        foreach (var (path, module) in modules)
        {
            if (!IsQuantizable(module, out var weight) || IsSkipped(path, options.SkipModules) || IsShared(weight, holders))
            {
                continue;
            }

            switch (module)
            {
                case Linear<float> single:
                    single.Quantize(options.DoubleQuantize);
                    break;
                case Linear<double> wide:
                    wide.Quantize(options.DoubleQuantize);
                    break;
            }

            quantized.Add(path);
        }

        return quantized;
    }

    /// <summary>Expands every quantized <see cref="Linear{T}"/> of <paramref name="model"/> back to full precision.</summary>
    public static void DequantizeBase(this Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, module) in model.NamedModules())
        {
            (module as Linear<float>)?.Dequantize();
            (module as Linear<double>)?.Dequantize();
        }
    }

    private static bool IsQuantizable(Module module, out Parameter? weight)
    {
        (weight, bool quantized) = module switch
        {
            Linear<float> single => ((Parameter?)single.Weight, single.IsQuantized),
            Linear<double> wide => (wide.Weight, wide.IsQuantized),
            _ => (null, false),
        };
        return weight is not null && !quantized;
    }

    private static bool IsSkipped(string path, IReadOnlyList<string> skip)
    {
        string last = path[(path.LastIndexOf('.') + 1)..];
        return skip.Any(name => name == path || name == last);
    }

    /// <summary>A weight that another module registered too is shared (a head tied to the embedding table).</summary>
    private static bool IsShared(Parameter? weight, Dictionary<Parameter, int> holders) => weight is not null && holders[weight] > 1;
}
