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
    private readonly SafetensorsCheckpoint _weights;

    private LlamaCheckpoint(SafetensorsCheckpoint weights) => _weights = weights;

    /// <summary>The tensor names, in file order.</summary>
    public IEnumerable<string> TensorNames => _weights.TensorNames;

    /// <summary>Opens the weights of <paramref name="directory"/> and checks that the index and the shards agree.</summary>
    /// <exception cref="InvalidDataException">No weights file, a bad index, a missing shard, or a tensor in two places.</exception>
    public static LlamaCheckpoint Open(string directory) => new(SafetensorsCheckpoint.Open(directory));

    /// <summary>
    /// Loads every base parameter of <paramref name="model"/> (its path is the tensor name) and checks that
    /// no tensor is left over. <paramref name="ignored"/> names tensors a checkpoint may carry without a
    /// parameter (the LM head of a tied model, rotary buffers of old checkpoints).
    /// </summary>
    public void LoadInto(Module model, LlamaConfig config, Func<string, bool> ignored)
    {
        // Base parameters, recognised by their owner (not an adapter module, whatever the method); a tied weight once.
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var parameters = ModuleWeightsExtensions.BaseParameters(model)
            .Where(p => p.Value is Parameter<float> && seen.Add(p.Value))
            .Select(static p => new KeyValuePair<string, Parameter<float>>(p.Key, (Parameter<float>)p.Value))
            .ToList();
        var missing = parameters.Where(p => !_weights.TryGetTensor(p.Key, out _, out _)).Select(p => p.Key).ToList();
        var names = parameters.Select(static p => p.Key).ToHashSet(StringComparer.Ordinal);
        var unexpected = _weights.TensorNames.Where(n => !names.Contains(n) && !ignored(n)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"{Source}: the checkpoint does not match the {config.ModelType} config" +
                (missing.Count > 0 ? $"; missing tensors: {List(missing)}" : "") +
                (unexpected.Count > 0 ? $"; unexpected tensors: {List(unexpected)}" : "") + ".");
        }

        foreach (var (name, parameter) in parameters)
        {
            _weights.TryGetTensor(name, out var file, out var tensor);
            CheckShape(file, tensor, parameter, config);
            if (!tensor.DType.IsConvertibleFloat())
            {
                throw new InvalidDataException($"{file.Source}: tensor '{name}' is {tensor.DType}; weights must be F16, BF16, F32 or F64.");
            }
        }

        foreach (var (name, parameter) in parameters)
        {
            _weights.TryGetTensor(name, out var file, out _);
            file.ReadValues<float>(name, parameter.Value);
            CheckFinite(file, name, parameter.Value);
        }
    }

    /// <summary>Releases the memory maps.</summary>
    public void Dispose() => _weights.Dispose();

    private string Source => _weights.IsSharded ? _weights.Source : _weights.Files[0].Source;

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
