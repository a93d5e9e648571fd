using System.Text.Json;
using Peft.IO;

namespace Peft.Models;

/// <summary>
/// The weights of a Hugging Face model folder: <c>model.safetensors</c>, or the shards that
/// <c>model.safetensors.index.json</c>'s <c>weight_map</c> names. Loads them by transformers' tensor names
/// into a model whose parameter paths are those names, strictly: every parameter needs a tensor, every
/// tensor a parameter, shapes must match the config, values must be finite; F16, BF16 and F32 are converted.
/// </summary>
internal sealed class LlamaCheckpoint : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files = [];
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsTensorInfo Tensor)> _tensors = new(StringComparer.Ordinal);

    private LlamaCheckpoint()
    {
    }

    /// <summary>The tensor names, in file order.</summary>
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>Opens the weights of <paramref name="directory"/> and checks that the index and the shards agree.</summary>
    /// <exception cref="InvalidDataException">No weights file, a bad index, a missing shard, or a tensor in two places.</exception>
    public static LlamaCheckpoint Open(string directory)
    {
        var checkpoint = new LlamaCheckpoint();
        try
        {
            string single = Path.Combine(directory, SingleFile);
            string index = Path.Combine(directory, IndexFile);
            if (File.Exists(single))
            {
                checkpoint.AddFile(single, null);
            }
            else if (File.Exists(index))
            {
                checkpoint.AddShards(directory, index);
            }
            else
            {
                throw new InvalidDataException($"{directory}: no {SingleFile} and no {IndexFile}.");
            }

            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads every base parameter of <paramref name="model"/> (its path is the tensor name) and checks that
    /// no tensor is left over. <paramref name="ignored"/> names tensors a checkpoint may carry without a
    /// parameter (the LM head of a tied model, rotary buffers of old checkpoints).
    /// </summary>
    public void LoadInto(Module model, LlamaConfig config, Func<string, bool> ignored)
    {
        var parameters = model.NamedParameters<float>()
            .Where(static p => p.Value.Role is not (ParameterRole.LoRAA or ParameterRole.LoRAB or ParameterRole.LoRAEmbedding or ParameterRole.MoRAM))
            .ToList();
        var missing = parameters.Where(p => !_tensors.ContainsKey(p.Key)).Select(p => p.Key).ToList();
        var names = parameters.Select(static p => p.Key).ToHashSet(StringComparer.Ordinal);
        var unexpected = _tensors.Keys.Where(n => !names.Contains(n) && !ignored(n)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"{Source}: the checkpoint does not match the {config.ModelType} config" +
                (missing.Count > 0 ? $"; missing tensors: {List(missing)}" : "") +
                (unexpected.Count > 0 ? $"; unexpected tensors: {List(unexpected)}" : "") + ".");
        }

        foreach (var (name, parameter) in parameters)
        {
            var (file, tensor) = _tensors[name];
            CheckShape(file, tensor, parameter, config);
            if (!tensor.DType.IsConvertibleFloat())
            {
                throw new InvalidDataException($"{file.Source}: tensor '{name}' is {tensor.DType}; weights must be F16, BF16, F32 or F64.");
            }
        }

        foreach (var (name, parameter) in parameters)
        {
            var (file, _) = _tensors[name];
            file.ReadValues<float>(name, parameter.Value);
            CheckFinite(file, name, parameter.Value);
        }
    }

    /// <summary>Releases the memory maps.</summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private string Source => _files.Count == 1 ? _files[0].Source : Path.GetDirectoryName(_files[0].Source) ?? _files[0].Source;

    private void AddShards(string directory, string indexPath)
    {
        SafetensorsIndexJson? index;
        try
        {
            index = JsonSerializer.Deserialize(File.ReadAllBytes(indexPath), LlamaJsonContext.Default.SafetensorsIndexJson);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{indexPath}: not a valid index: {exception.Message}", exception);
        }

        var weightMap = index?.WeightMap ?? throw new InvalidDataException($"{indexPath}: field 'weight_map' is missing.");
        if (weightMap.Count == 0)
        {
            throw new InvalidDataException($"{indexPath}: field 'weight_map' is empty.");
        }

        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var (name, shard) in weightMap)
        {
            // A shard is a plain file name beside the index: no folders, no way out of the model folder.
            if (string.IsNullOrEmpty(shard) || shard != Path.GetFileName(shard) || shard is "." or "..")
            {
                throw new InvalidDataException($"{indexPath}: weight_map['{name}'] = '{shard}' is not a file name in the model folder.");
            }

            if (!shards.TryGetValue(shard, out var file))
            {
                string path = Path.Combine(directory, shard);
                if (!File.Exists(path))
                {
                    throw new InvalidDataException($"{indexPath}: weight_map['{name}'] names shard '{shard}', which does not exist.");
                }

                file = AddFile(path, indexPath);
                shards.Add(shard, file);
            }
        }

        foreach (var (name, shard) in weightMap)
        {
            if (!_tensors.TryGetValue(name, out var found) || !ReferenceEquals(found.File, shards[shard]))
            {
                throw new InvalidDataException($"{indexPath}: weight_map puts '{name}' in '{shard}', but that shard has no such tensor.");
            }
        }

        if (_tensors.Count != weightMap.Count)
        {
            string extra = _tensors.Keys.First(n => !weightMap.ContainsKey(n));
            throw new InvalidDataException($"{indexPath}: tensor '{extra}' of shard '{Path.GetFileName(_tensors[extra].File.Source)}' is not in weight_map.");
        }
    }

    private SafetensorsFile AddFile(string path, string? indexPath)
    {
        var file = SafetensorsFile.Open(path);
        _files.Add(file);
        foreach (var tensor in file.Tensors)
        {
            if (!_tensors.TryAdd(tensor.Name, (file, tensor)))
            {
                throw new InvalidDataException(
                    $"{indexPath ?? path}: tensor '{tensor.Name}' is in both {_tensors[tensor.Name].File.Source} and {path}.");
            }
        }

        return file;
    }

    private static void CheckShape(SafetensorsFile file, SafetensorsTensorInfo tensor, Parameter parameter, LlamaConfig config)
    {
        var shape = tensor.Shape;
        bool same = shape.Length == parameter.Shape.Length;
        for (int i = 0; same && i < shape.Length; i++)
        {
            same = shape[i] == parameter.Shape[i];
        }

        if (!same)
        {
            throw new InvalidDataException(
                $"{file.Source}: tensor '{tensor.Name}' has shape {tensor.ShapeText}, but config.json ({LlamaShapes.Fields(tensor.Name, config)}) gives {parameter.ShapeText}.");
        }
    }

    private static void CheckFinite(SafetensorsFile file, string name, float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new InvalidDataException($"{file.Source}: tensor '{name}' holds {values[i]} at element {i}; weights must be finite.");
            }
        }
    }

    private static string List(List<string> names) =>
        names.Count <= 8 ? string.Join(", ", names) : string.Join(", ", names.Take(8)) + $" and {names.Count - 8} more";
}
