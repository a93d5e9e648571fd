namespace Peft.IO;

/// <summary>
/// A PEFT adapter directory open for reading: <c>adapter_config.json</c> and a validated, memory-mapped
/// <c>adapter_model.safetensors</c> whose adapter tensors are grouped by module path (the per-module tensor names
/// the method's <see cref="PeftMethodFormat"/> owns) and checked by the method for consistent shapes.
/// </summary>
public sealed class PeftAdapterDirectory : IDisposable
{
    /// <summary>The config file name PEFT uses.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The weights file name PEFT uses with safetensors serialization.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private PeftAdapterDirectory(
        string directory, PeftAdapterConfig config, PeftMethodFormat format, SafetensorsFile weights, List<PeftModuleTensors> modules,
        Dictionary<string, SafetensorsTensorInfo> shared, List<string> otherTensors)
    {
        Directory = directory;
        Config = config;
        Format = format;
        SharedTensors = shared;
        Weights = weights;
        Modules = modules;
        OtherTensors = otherTensors;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>The parsed <c>adapter_config.json</c>.</summary>
    public PeftAdapterConfig Config { get; }

    /// <summary>The method that reads this adapter (chosen from the config).</summary>
    internal PeftMethodFormat Format { get; }

    /// <summary>The adapter weights file.</summary>
    public SafetensorsFile Weights { get; }

    /// <summary>The adapted modules in module-path order.</summary>
    public IReadOnlyList<PeftModuleTensors> Modules { get; }

    /// <summary>
    /// Tensors stored once for the whole adapter, by key (VeRA's shared projections <c>base_model.vera_A</c> /
    /// <c>base_model.vera_B</c> when <c>save_projection</c> is set); empty for the other methods.
    /// </summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> SharedTensors { get; }

    /// <summary>
    /// Tensors that belong to no adapted module and are not shared by the method (for example <c>modules_to_save</c>
    /// copies).
    /// </summary>
    public IReadOnlyList<string> OtherTensors { get; }

    /// <summary>Opens and validates an adapter directory.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">The config or the weights are invalid or inconsistent.</exception>
    public static PeftAdapterDirectory Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string configPath = Path.Combine(directory, ConfigFileName);
        string weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"{directory}: no {ConfigFileName} (not a PEFT adapter directory).", configPath);
        }

        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException($"{directory}: no {WeightsFileName} (only safetensors adapters are supported).", weightsPath);
        }

        var config = PeftAdapterConfig.Parse(File.ReadAllText(configPath), configPath);
        var format = PeftMethodFormat.For(config, configPath);
        var weights = SafetensorsFile.Open(weightsPath);
        try
        {
            var (modules, shared, others) = Group(weights, config, format);
            return new PeftAdapterDirectory(directory, config, format, weights, modules, shared, others);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>, each atomically
    /// (temporary file in the folder, then rename).
    /// </summary>
    public static void Write(string directory, PeftAdapterConfig config, IEnumerable<SafetensorsTensor> tensors)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(config);
        System.IO.Directory.CreateDirectory(directory);
        SafetensorsWriter.WriteFile(Path.Combine(directory, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllBytes(Path.Combine(directory, ConfigFileName), System.Text.Encoding.UTF8.GetBytes(config.ToJson()));
    }

    /// <summary>The method and its adapter-wide settings in one line, as <c>peft inspect</c> prints it.</summary>
    public string DescribeMethod() => Format.Describe(Config);

    /// <summary>One adapted module (rank, shapes, scale as the method defines them) in one line, as <c>peft inspect</c> prints it.</summary>
    public string DescribeModule(PeftModuleTensors module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return Format.DescribeModule(module, Config);
    }

    /// <summary>Releases the weights file.</summary>
    public void Dispose() => Weights.Dispose();

    private static (List<PeftModuleTensors> Modules, Dictionary<string, SafetensorsTensorInfo> Shared, List<string> Others) Group(
        SafetensorsFile weights, PeftAdapterConfig config, PeftMethodFormat format)
    {
        // Longest names first, so that a name that ends another (none do today) never takes its tensors.
        var names = format.ModuleTensors.OrderByDescending(n => n.Name.Length).ToArray();
        var sharedKeys = format.SharedTensorKeys.ToHashSet(StringComparer.Ordinal);
        var grouped = new SortedDictionary<string, SortedDictionary<string, SafetensorsTensorInfo>>(StringComparer.Ordinal);
        var shared = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var others = new List<string>();
        foreach (var tensor in weights.Tensors)
        {
            if (sharedKeys.Contains(tensor.Name))
            {
                CheckFloat(weights.Source, tensor, 0, "tensor", mayBeEmpty: false);
                shared.Add(tensor.Name, tensor);
                continue;
            }

            if (!TryParse(tensor.Name, names, out string path, out var name))
            {
                others.Add(tensor.Name);
                continue;
            }

            CheckFloat(weights.Source, tensor, name.Dimensions, name.Kind, name.MayBeEmpty);
            if (!grouped.TryGetValue(path, out var tensors))
            {
                grouped.Add(path, tensors = new SortedDictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal));
            }

            // A module is either a Linear (lora_A/B.weight) or an embedding (lora_embedding_A/B), never both.
            bool isEmbedding = format.IsEmbeddingTensor(name.Name);
            if (tensors.Keys.FirstOrDefault(other => format.IsEmbeddingTensor(other) != isEmbedding) is not null)
            {
                throw new InvalidDataException(
                    $"{weights.Source}: module '{path}' mixes lora_A/lora_B weights with lora_embedding_A/lora_embedding_B (key '{tensor.Name}').");
            }

            tensors.Add(name.Name, tensor);
        }

        var modules = new List<PeftModuleTensors>(grouped.Count);
        foreach (var (path, tensors) in grouped)
        {
            var module = new PeftModuleTensors(path, tensors, tensors.Keys.Any(format.IsEmbeddingTensor));
            format.CheckModule(weights.Source, module, config);
            modules.Add(module);
        }

        format.CheckShared(weights.Source, shared, modules, config);
        return (modules, shared, others);
    }

    /// <summary>Splits <c>base_model.model.&lt;path&gt;.&lt;name&gt;</c> for one of the method's per-module <paramref name="names"/>.</summary>
    private static bool TryParse(string key, PeftModuleTensorName[] names, out string modulePath, out PeftModuleTensorName name)
    {
        modulePath = "";
        name = default;
        if (!key.StartsWith(PeftKeys.Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var candidate in names)
        {
            // base_model.model. + path (at least one character) + '.' + name
            if (key.Length > PeftKeys.Prefix.Length + candidate.Name.Length + 1 && key.EndsWith(candidate.Name, StringComparison.Ordinal)
                && key[^(candidate.Name.Length + 1)] == '.')
            {
                modulePath = key[PeftKeys.Prefix.Length..^(candidate.Name.Length + 1)];
                name = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>An adapter tensor must be a non-empty float tensor of the method's number of dimensions (0: any).</summary>
    private static void CheckFloat(string source, SafetensorsTensorInfo tensor, int dimensions, string kind, bool mayBeEmpty)
    {
        bool sized = tensor.Shape.Length > 0;
        foreach (long size in tensor.Shape)
        {
            sized &= (size > 0 || (mayBeEmpty && size == 0)) && size <= int.MaxValue;
        }

        if (!tensor.DType.IsConvertibleFloat() || (dimensions != 0 && tensor.Shape.Length != dimensions) || !sized)
        {
            throw new InvalidDataException(
                $"{source}: adapter tensor '{tensor.Name}' is {tensor.DType} {tensor.ShapeText}; expected a non-empty {kind} of F16, BF16, F32 or F64.");
        }
    }
}
