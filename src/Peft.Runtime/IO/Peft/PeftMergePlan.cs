namespace Peft.IO;

/// <summary>
/// What merging an adapter into a base changes, worked out and checked before anything is written: which base
/// tensor each adapter module folds into, which base tensors a module to save replaces, and PEFT's refusals
/// (no targeted module, an untargeted adapter module, a non-finite adapter value). <see cref="MergeFile"/> then
/// produces one file's merged tensors and refuses non-finite results as PEFT's <c>safe_merge</c>.
/// </summary>
internal sealed class PeftMergePlan
{
    private readonly PeftAdapterDirectory _adapter;
    private readonly PeftMethodFormat _format;
    private readonly Dictionary<string, PeftModuleTensors> _byWeight;
    private readonly Dictionary<string, string> _replacements;
    private readonly List<string> _merged = [];

    private PeftMergePlan(PeftAdapterDirectory adapter, PeftMethodFormat format, Dictionary<string, PeftModuleTensors> byWeight, Dictionary<string, string> replacements)
    {
        _adapter = adapter;
        _format = format;
        _byWeight = byWeight;
        _replacements = replacements;
    }

    /// <summary>The module paths merged so far, in base-file order.</summary>
    public IReadOnlyList<string> MergedModules => _merged;

    /// <summary>Checks <paramref name="adapter"/> against the base tensors of <paramref name="files"/> (named <paramref name="source"/> in messages).</summary>
    /// <exception cref="InvalidDataException">A check fails; the message is one line naming the module or tensor.</exception>
    public static PeftMergePlan Create(IReadOnlyList<SafetensorsFile> files, string source, PeftAdapterDirectory adapter)
    {
        var baseTensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var tensor in file.Tensors)
            {
                baseTensors.TryAdd(tensor.Name, tensor);
            }
        }

        var config = adapter.Config;
        string configSource = Path.Combine(adapter.Directory, PeftAdapterDirectory.ConfigFileName);
        if (config.TargetModules is { } targets)
        {
            // PEFT's inject_adapter: the targets are matched against the base model's module names.
            var modules = baseTensors.Keys.Where(n => n.Contains('.')).Select(n => n[..n.LastIndexOf('.')]).ToHashSet(StringComparer.Ordinal);
            if (!modules.Any(targets.Matches))
            {
                throw new InvalidDataException(
                    $"{configSource}: Target modules {Describe(targets)} not found in the base model. Please check the target modules and try again (base: {source}).");
            }

            // PEFT builds layers for the targets only; tensors of any other module would not load (unexpected keys).
            if (adapter.Modules.FirstOrDefault(m => !targets.Matches(m.ModulePath)) is { } stray)
            {
                throw new InvalidDataException(
                    $"{adapter.Weights.Source}: module '{stray.ModulePath}' ('{stray.Tensors.Values.First().Name}') is not among target modules {Describe(targets)}; PEFT would not load it.");
            }
        }

        var byWeight = new Dictionary<string, PeftModuleTensors>(StringComparer.Ordinal);
        foreach (var module in adapter.Modules)
        {
            string weightName = module.ModulePath + ".weight";
            if (!baseTensors.ContainsKey(weightName))
            {
                throw new InvalidDataException($"{source}: no tensor '{weightName}' for adapter module '{module.ModulePath}'.");
            }

            foreach (var tensor in module.Tensors.Values)
            {
                CheckFinite(adapter, tensor);
            }

            byWeight.Add(weightName, module);
        }

        foreach (var tensor in adapter.SharedTensors.Values)
        {
            CheckFinite(adapter, tensor);
        }

        var replacements = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string key in adapter.OtherTensors)
        {
            string name = key.StartsWith(PeftKeys.Prefix, StringComparison.Ordinal) ? key[PeftKeys.Prefix.Length..] : "";
            adapter.Weights.TryGetTensor(key, out var tensor);
            if (!IsModuleToSave(name, config.ModulesToSave) || !baseTensors.TryGetValue(name, out var target) || byWeight.ContainsKey(name)
                || !tensor.DType.IsConvertibleFloat() || !tensor.Shape.SequenceEqual(target.Shape))
            {
                throw new InvalidDataException(
                    $"{adapter.Weights.Source}: cannot merge tensor '{key}' {tensor.DType} {tensor.ShapeText}: it is no LoRA tensor, and no base tensor '{name}' of a module in modules_to_save [{string.Join(", ", config.ModulesToSave ?? [])}] has its shape.");
            }

            CheckFinite(adapter, tensor);
            replacements.Add(name, key);
        }

        return new PeftMergePlan(adapter, adapter.Format, byWeight, replacements);
    }

    /// <summary>The tensors of <paramref name="file"/> after the merge; unchanged ones reference the file's memory.</summary>
    /// <exception cref="InvalidDataException">A merged value is not finite in the tensor's dtype.</exception>
    public List<SafetensorsTensor> MergeFile(SafetensorsFile file)
    {
        var tensors = new List<SafetensorsTensor>(file.Tensors.Count);
        foreach (var tensor in file.Tensors)
        {
            if (_byWeight.TryGetValue(tensor.Name, out var module))
            {
                tensors.Add(MergeOne(file, tensor, module));
                _merged.Add(module.ModulePath);
            }
            else if (_replacements.TryGetValue(tensor.Name, out string? key))
            {
                // merge_and_unload keeps the trained copy of a module to save in place of the original.
                tensors.Add(SafetensorsTensor.FromValues<double>(tensor.Name, tensor.Shape, _adapter.Weights.ReadValues<double>(key), tensor.DType));
                _merged.Add(tensor.Name[..tensor.Name.LastIndexOf('.')]);
            }
            else
            {
                tensors.Add(SafetensorsTensor.FromBytes(tensor.Name, tensor.DType, tensor.Shape, file.GetMemory(tensor)));
            }
        }

        return tensors;
    }

    private SafetensorsTensor MergeOne(SafetensorsFile baseFile, SafetensorsTensorInfo weight, PeftModuleTensors module)
    {
        var config = _adapter.Config;
        if (!weight.DType.IsConvertibleFloat() || weight.Shape.Length != 2)
        {
            throw new InvalidDataException(
                $"{baseFile.Source}: base tensor '{weight.Name}' is {weight.DType} {weight.ShapeText}; merging needs a 2-D F16, BF16, F32 or F64 weight.");
        }

        // PyTorch's Linear stores [out, in]; with fan_in_fan_out (GPT-2's Conv1D) the weight is [in, out].
        // An embedding table is [num, dim] (fan_in_fan_out does not apply to it).
        int rows = checked((int)weight.Shape[0]);
        int columns = checked((int)weight.Shape[1]);
        double[] w = baseFile.ReadValues<double>(weight.Name);
        if (module.IsEmbedding)
        {
            _format.AddEmbeddingDelta(w, rows, columns, module, _adapter, weight);
        }
        else
        {
            int outF = config.FanInFanOut ? columns : rows;
            int inF = config.FanInFanOut ? rows : columns;
            _format.AddDelta(w, outF, inF, module, _adapter, weight);
        }

        // PEFT's safe_merge: "NaNs detected in the merged weights" — here also values beyond the dtype's range.
        double limit = MaxFinite(weight.DType);
        for (int i = 0; i < w.Length; i++)
        {
            if (!(Math.Abs(w[i]) <= limit))
            {
                throw new InvalidDataException(
                    $"{baseFile.Source}: merging module '{module.ModulePath}' makes element {i} of '{weight.Name}' {Name(w[i])}, not a finite {weight.DType}; the adapter seems to be broken.");
            }
        }

        return SafetensorsTensor.FromValues<double>(weight.Name, weight.Shape, w, weight.DType);
    }

    /// <summary>Every value of an adapter tensor must be finite: PEFT's safe_merge refuses a broken adapter.</summary>
    private static void CheckFinite(PeftAdapterDirectory adapter, SafetensorsTensorInfo tensor)
    {
        double[] values = adapter.Weights.ReadValues<double>(tensor.Name);
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new InvalidDataException(
                    $"{adapter.Weights.Source}: adapter tensor '{tensor.Name}' {tensor.ShapeText} holds {Name(values[i])} at element {i}; refusing to merge a broken adapter (PEFT's safe_merge).");
            }
        }
    }

    /// <summary>Whether the base tensor <paramref name="name"/> lies in a module whose path ends with a <c>modules_to_save</c> entry (PEFT's suffix rule).</summary>
    private static bool IsModuleToSave(string name, IReadOnlyList<string>? modulesToSave)
    {
        for (int dot = name.IndexOf('.'); dot > 0 && modulesToSave is not null; dot = name.IndexOf('.', dot + 1))
        {
            string module = name[..dot];
            if (modulesToSave.Any(m => module.EndsWith(m, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>PEFT prints the config's <c>target_modules</c>: a Python set of names, or the regular expression.</summary>
    private static string Describe(PeftTargetModules targets) =>
        targets.Pattern ?? "{" + string.Join(", ", targets.Names!.Select(n => $"'{n}'")) + "}";

    private static string Name(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+inf",
        double.NegativeInfinity => "-inf",
        _ => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
    };

    private static double MaxFinite(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F16 => 65504.0,
        SafetensorsDType.BF16 => 3.3895313892515355e38,
        SafetensorsDType.F32 => float.MaxValue,
        _ => double.MaxValue,
    };
}
