using System.Numerics;

namespace Peft.IO;

/// <summary>
/// Base weights from Hugging Face style <c>model.safetensors</c> files: every base parameter of a
/// <see cref="Module"/> (adapter parameters are skipped) is matched by its path from
/// <see cref="Module.NamedParameters(string)"/> (<c>encoder.fc1.weight</c>), optionally renamed by a mapping
/// hook, shape-checked and converted from the file's dtype to the parameter's element type.
/// </summary>
public static class ModuleWeightsExtensions
{
    /// <summary>Loads base weights from the safetensors file at <paramref name="path"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The file.</param>
    /// <param name="mapName">Maps a parameter path to its tensor name in the file (for example adding a
    /// <c>model.</c> prefix); return <see langword="null"/> to leave a parameter untouched.</param>
    /// <param name="strict">Whether a parameter without a tensor is an error (otherwise it is reported as missing).</param>
    /// <exception cref="InvalidDataException">The file is invalid, a tensor is missing (strict), or a shape or dtype does not fit.</exception>
    public static WeightLoadReport LoadWeights(this Module model, string path, Func<string, string?>? mapName = null, bool strict = true)
    {
        using var file = SafetensorsFile.Open(path);
        return model.LoadWeights(file, mapName, strict);
    }

    /// <summary>Loads base weights from an open safetensors file.</summary>
    /// <inheritdoc cref="LoadWeights(Module, string, Func{string, string?}?, bool)"/>
    public static WeightLoadReport LoadWeights(this Module model, SafetensorsFile file, Func<string, string?>? mapName = null, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(file);
        var loaded = new List<string>();
        var missing = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);

        // Check everything first so that a bad file leaves the model untouched.
        var plan = new List<(Parameter Parameter, SafetensorsTensorInfo Tensor, string Path)>();
        foreach (var (parameterPath, parameter) in BaseParameters(model))
        {
            string? name = mapName is null ? parameterPath : mapName(parameterPath);
            if (name is null)
            {
                continue;
            }

            if (!file.TryGetTensor(name, out var tensor))
            {
                if (strict)
                {
                    throw new InvalidDataException(
                        $"{file.Source}: no tensor '{name}' for parameter '{parameterPath}' {parameter.ShapeText}.");
                }

                missing.Add(parameterPath);
                continue;
            }

            CheckFits(file, tensor, parameterPath, parameter);
            plan.Add((parameter, tensor, parameterPath));
            used.Add(name);
        }

        foreach (var (parameter, tensor, parameterPath) in plan)
        {
            switch (parameter)
            {
                case Parameter<float> single:
                    file.ReadValues<float>(tensor.Name, single.Value);
                    break;
                case Parameter<double> wide:
                    file.ReadValues<double>(tensor.Name, wide.Value);
                    break;
                default:
                    throw new NotSupportedException($"Parameter '{parameterPath}' has element type {parameter.ElementType.Name}.");
            }

            loaded.Add(parameterPath);
        }

        var unused = file.Tensors.Select(t => t.Name).Where(n => !used.Contains(n)).ToList();
        return new WeightLoadReport(loaded, missing, unused);
    }

    /// <summary>
    /// Saves the base parameters (adapter parameters excluded) to <paramref name="path"/> atomically, named
    /// by path (or by <paramref name="mapName"/>), in <paramref name="dtype"/> (default: each parameter's own
    /// precision, F32 or F64).
    /// </summary>
    /// <exception cref="InvalidOperationException">There is nothing to save (no registered base parameters, or all mapped away).</exception>
    public static void SaveWeights(this Module model, string path, SafetensorsDType? dtype = null, Func<string, string?>? mapName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = new List<SafetensorsTensor>();
        foreach (var (parameterPath, parameter) in BaseParameters(model))
        {
            string? name = mapName is null ? parameterPath : mapName(parameterPath);
            if (name is null)
            {
                continue;
            }

            tensors.Add(parameter switch
            {
                Parameter<float> single => SafetensorsTensor.FromValues<float>(name, single.Shape, single.Value, dtype ?? SafetensorsDType.F32),
                Parameter<double> wide => SafetensorsTensor.FromValues<double>(name, wide.Shape, wide.Value, dtype ?? SafetensorsDType.F64),
                _ => throw new NotSupportedException($"Parameter '{parameterPath}' has element type {parameter.ElementType.Name}."),
            });
        }

        if (tensors.Count == 0)
        {
            // An empty file would load into nothing and hide the real mistake: layers held in members but
            // never registered as child modules (or a mapping that skips everything).
            throw new InvalidOperationException(
                $"{model.GetType().Name}: no base parameters to save to '{path}'. The model has {model.NamedParameters().Count()} registered " +
                "parameters; register its layers as child modules (RegisterModule, or the generated RegisterAdapterLayers) " +
                (mapName is null ? "before saving." : "before saving, and check that mapName does not return null for every path."));
        }

        SafetensorsWriter.WriteFile(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>
    /// The parameters that are not adapter parameters, recognised by their owner: everything registered on an
    /// adapter module (any method, including ones added later) is left out, whatever its role.
    /// </summary>
    internal static IEnumerable<KeyValuePair<string, Parameter>> BaseParameters(Module model)
    {
        foreach (var (path, module) in model.NamedModules())
        {
            if (module is IAdapterModule)
            {
                continue;
            }

            foreach (var parameter in module.OwnParameters)
            {
                yield return new(path.Length == 0 ? parameter.Name : path + "." + parameter.Name, parameter);
            }
        }
    }

    private static void CheckFits(SafetensorsFile file, SafetensorsTensorInfo tensor, string parameterPath, Parameter parameter)
    {
        bool sameShape = tensor.Shape.Length == parameter.Shape.Length;
        for (int i = 0; sameShape && i < tensor.Shape.Length; i++)
        {
            sameShape = tensor.Shape[i] == parameter.Shape[i];
        }

        if (!sameShape)
        {
            throw new InvalidDataException(
                $"{file.Source}: tensor '{tensor.Name}' has shape {tensor.ShapeText} but parameter '{parameterPath}' has shape {parameter.ShapeText}.");
        }

        if (!tensor.DType.IsConvertibleFloat())
        {
            throw new InvalidDataException(
                $"{file.Source}: tensor '{tensor.Name}' is {tensor.DType}; parameter '{parameterPath}' needs F16, BF16, F32 or F64.");
        }
    }
}
