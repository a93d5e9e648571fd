namespace Peft.IO;

/// <summary>
/// A PEFT adapter directory open for reading: <c>adapter_config.json</c> and a validated, memory-mapped
/// <c>adapter_model.safetensors</c> whose LoRA / MoRA tensors are grouped by module path and checked
/// for consistent shapes.
/// </summary>
public sealed class PeftAdapterDirectory : IDisposable
{
    /// <summary>The config file name PEFT uses.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The weights file name PEFT uses with safetensors serialization.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private PeftAdapterDirectory(string directory, PeftAdapterConfig config, SafetensorsFile weights, List<PeftModuleTensors> modules, List<string> otherTensors)
    {
        Directory = directory;
        Config = config;
        Weights = weights;
        Modules = modules;
        OtherTensors = otherTensors;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>The parsed <c>adapter_config.json</c>.</summary>
    public PeftAdapterConfig Config { get; }

    /// <summary>The adapter weights file.</summary>
    public SafetensorsFile Weights { get; }

    /// <summary>The adapted modules in module-path order.</summary>
    public IReadOnlyList<PeftModuleTensors> Modules { get; }

    /// <summary>Tensors that are not <c>lora_A</c> / <c>lora_B</c> weights (for example <c>modules_to_save</c> copies).</summary>
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
        if (config.PeftType != "LORA")
        {
            throw new InvalidDataException($"{configPath}: peft_type '{config.PeftType}' is not supported (LORA, with use_mora for MoRA).");
        }

        var weights = SafetensorsFile.Open(weightsPath);
        try
        {
            var (modules, others) = Group(weights, config);
            return new PeftAdapterDirectory(directory, config, weights, modules, others);
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

    /// <summary>Releases the weights file.</summary>
    public void Dispose() => Weights.Dispose();

    private static (List<PeftModuleTensors> Modules, List<string> Others) Group(SafetensorsFile weights, PeftAdapterConfig config)
    {
        var a = new SortedDictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var b = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var embedding = new Dictionary<string, bool>(StringComparer.Ordinal);
        var others = new List<string>();
        var format = PeftMethodFormat.For(config, weights.Source);
        foreach (var tensor in weights.Tensors)
        {
            if (format.ReadsModuleTensor(tensor.Name))
            {
                // A tensor the method reads beside lora_A / lora_B (DoRA's lora_magnitude_vector): its format loads it.
                continue;
            }

            if (!PeftKeys.TryParse(tensor.Name, out string path, out char matrix, out bool isEmbedding))
            {
                others.Add(tensor.Name);
                continue;
            }

            if (!tensor.DType.IsConvertibleFloat() || tensor.Shape.Length != 2 || tensor.Shape[0] <= 0 || tensor.Shape[1] <= 0
                || tensor.Shape[0] > int.MaxValue || tensor.Shape[1] > int.MaxValue)
            {
                throw new InvalidDataException(
                    $"{weights.Source}: adapter tensor '{tensor.Name}' is {tensor.DType} {tensor.ShapeText}; expected a non-empty 2-D F16, BF16, F32 or F64 matrix.");
            }

            // A module is either a Linear (lora_A/B.weight) or an embedding (lora_embedding_A/B), never both.
            if (embedding.TryGetValue(path, out bool seen) && seen != isEmbedding)
            {
                throw new InvalidDataException(
                    $"{weights.Source}: module '{path}' mixes lora_A/lora_B weights with lora_embedding_A/lora_embedding_B (key '{tensor.Name}').");
            }

            embedding[path] = isEmbedding;
            (matrix == 'A' ? (IDictionary<string, SafetensorsTensorInfo>)a : b)[path] = tensor;
        }

        var modules = new List<PeftModuleTensors>();
        foreach (var (path, tensorA) in a)
        {
            if (!b.Remove(path, out var tensorB))
            {
                throw new InvalidDataException($"{weights.Source}: module '{path}' has {tensorA.Name} but no {(embedding[path] ? PeftKeys.LoRAEmbeddingB(path) : PeftKeys.LoRAB(path))}.");
            }

            CheckShapes(weights.Source, path, tensorA, tensorB, config);
            modules.Add(new PeftModuleTensors(path, tensorA, tensorB, embedding[path]));
        }

        foreach (var (path, tensorB) in b)
        {
            throw new InvalidDataException($"{weights.Source}: module '{path}' has {tensorB.Name} but no {(embedding[path] ? PeftKeys.LoRAEmbeddingA(path) : PeftKeys.LoRAA(path))}.");
        }

        return (modules, others);
    }

    private static void CheckShapes(string source, string path, SafetensorsTensorInfo a, SafetensorsTensorInfo b, PeftAdapterConfig config)
    {
        if (config.IsMoRA)
        {
            // Official MoRA: lora_B is the same module as lora_A, so both keys hold the square M.
            if (a.Shape[0] != a.Shape[1] || b.Shape[0] != a.Shape[0] || b.Shape[1] != a.Shape[1])
            {
                throw new InvalidDataException(
                    $"{source}: MoRA module '{path}' has lora_A {a.ShapeText} and lora_B {b.ShapeText}; expected the same square M [r̂, r̂] under both keys.");
            }

            return;
        }

        if (b.Shape[1] != a.Shape[0])
        {
            throw new InvalidDataException(
                $"{source}: module '{path}' has {Label(a)} {a.ShapeText} (expected [r, in]) and {Label(b)} {b.ShapeText} (expected [out, r]); the ranks {a.Shape[0]} and {b.Shape[1]} differ.");
        }

        // PEFT builds the layer from the config's rank and scales by it, so the weights must agree.
        int configRank = config.RankFor(path);
        if (configRank != a.Shape[0])
        {
            throw new InvalidDataException(
                $"{source}: module '{path}' has rank {a.Shape[0]} in the weights ({Label(a)} {a.ShapeText}) but r = {configRank} in the config.");
        }
    }

    /// <summary>The tensor's name after the module path: <c>lora_A</c>, <c>lora_B</c>, <c>lora_embedding_A</c> or <c>lora_embedding_B</c>.</summary>
    private static string Label(SafetensorsTensorInfo tensor)
    {
        string name = tensor.Name.EndsWith(".weight", StringComparison.Ordinal) ? tensor.Name[..^".weight".Length] : tensor.Name;
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
