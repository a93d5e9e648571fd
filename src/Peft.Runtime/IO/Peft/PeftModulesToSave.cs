using System.Numerics;

namespace Peft.IO;

/// <summary>
/// PEFT's <c>modules_to_save</c> in an adapter file. In memory PEFT names the trained copy
/// <c>base_model.model.&lt;path&gt;.modules_to_save.&lt;adapter&gt;.weight</c>; <c>get_peft_model_state_dict</c> keeps the
/// wrapper's path and the copy's own keys (<c>ModulesToSaveWrapper.adapter_state_dict</c>), so the file holds
/// <c>base_model.model.&lt;path&gt;.weight</c> (and <c>.bias</c>, …) — the base tensor's name behind PEFT's prefix.
/// Here the module's own parameters are the copy (see <see cref="ModuleToSaveOriginal"/>).
/// </summary>
internal sealed class PeftModulesToSave
{
    private readonly List<(string Path, Module Module, List<(SafetensorsTensorInfo Tensor, Parameter Parameter)> Tensors)> _modules;

    private PeftModulesToSave(List<(string, Module, List<(SafetensorsTensorInfo, Parameter)>)> modules) => _modules = modules;

    /// <summary>The file key of a module to save's parameter at <paramref name="relativePath"/> inside the module at <paramref name="modulePath"/>.</summary>
    public static string Key(string modulePath, string relativePath) => PeftKeys.Prefix + modulePath + "." + relativePath;

    /// <summary>
    /// Assigns every tensor of <paramref name="adapter"/> that is not a LoRA / MoRA tensor to a parameter of a module
    /// the config's <c>modules_to_save</c> names (PEFT's rule: the module path ends with the name), checking shapes.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor belongs to no such module, names no parameter of it, or has another shape.</exception>
    /// <exception cref="NotSupportedException">A module cannot be a module to save (see <see cref="ModuleToSaveOriginal.Check"/>).</exception>
    public static PeftModulesToSave Find(Module model, PeftAdapterDirectory adapter, string adapterName)
    {
        var modules = new List<(string, Module, List<(SafetensorsTensorInfo, Parameter)>)>();
        if (adapter.OtherTensors.Count == 0)
        {
            return new PeftModulesToSave(modules);
        }

        var names = adapter.Config.ModulesToSave ?? [];
        var candidates = model.NamedModules()
            .Where(m => m.Key.Length > 0 && m.Value is not IAdapterModule && names.Any(n => m.Key.EndsWith(n, StringComparison.Ordinal)))
            .ToList();
        var byModule = new Dictionary<string, List<(SafetensorsTensorInfo, Parameter)>>(StringComparer.Ordinal);
        foreach (string key in adapter.OtherTensors)
        {
            adapter.Weights.TryGetTensor(key, out var tensor);
            var owner = candidates.FirstOrDefault(m => key.StartsWith(Key(m.Key, ""), StringComparison.Ordinal));
            if (owner.Value is null)
            {
                throw new InvalidDataException(
                    $"{adapter.Weights.Source}: tensor '{key}' is no LoRA tensor and belongs to no module of modules_to_save [{string.Join(", ", names)}]" +
                    $"{(names.Count == 0 ? " (the config lists none)" : "")}.");
            }

            string relative = key[Key(owner.Key, "").Length..];
            var parameter = ModuleToSaveOriginal.BaseParameters(owner.Value).FirstOrDefault(p => p.Key == relative).Value
                ?? throw new InvalidDataException(
                    $"{adapter.Weights.Source}: tensor '{key}' names no parameter '{relative}' of module to save '{owner.Key}' ({owner.Value.GetType().Name}).");
            if (!tensor.DType.IsConvertibleFloat() || !SameShape(tensor.Shape, parameter.Shape))
            {
                throw new InvalidDataException(
                    $"{adapter.Weights.Source}: tensor '{key}' is {tensor.DType} {tensor.ShapeText}, but parameter '{owner.Key}.{relative}' is {parameter.ShapeText} (F16, BF16, F32 or F64).");
            }

            if (!byModule.TryGetValue(owner.Key, out var list))
            {
                byModule[owner.Key] = list = [];
                modules.Add((owner.Key, owner.Value, list));
            }

            list.Add((tensor, parameter));
        }

        foreach (var (path, module, _) in modules)
        {
            ModuleToSaveOriginal.Check(model, path, module, adapterName);
        }

        return new PeftModulesToSave(modules);
    }

    /// <summary>Makes each module a module to save of <paramref name="adapterName"/> and reads its tensors into it.</summary>
    public void Load(Module model, PeftAdapterDirectory adapter, string adapterName, bool trainable)
    {
        foreach (var (path, module, tensors) in _modules)
        {
            ModuleToSaveOriginal.Mark(model, path, module, adapterName, trainable);
            foreach (var (tensor, parameter) in tensors)
            {
                switch (parameter)
                {
                    case Parameter<float> single:
                        adapter.Weights.ReadValues<float>(tensor.Name, single.Value);
                        break;
                    case Parameter<double> wide:
                        adapter.Weights.ReadValues<double>(tensor.Name, wide.Value);
                        break;
                }
            }
        }
    }

    /// <summary>Adds the tensors of every module to save of <paramref name="adapterName"/>; returns their paths.</summary>
    public static List<string> Collect(Module model, string adapterName, SafetensorsDType dtype, List<SafetensorsTensor> tensors)
    {
        var paths = new List<string>();
        foreach (var (path, module) in model.NamedModules())
        {
            if (ModuleToSaveOriginal.Of(module)?.AdapterName != adapterName)
            {
                continue;
            }

            paths.Add(path);
            foreach (var (relative, parameter) in ModuleToSaveOriginal.BaseParameters(module))
            {
                tensors.Add(parameter switch
                {
                    Parameter<float> single => ToTensor(Key(path, relative), single, dtype),
                    Parameter<double> wide => ToTensor(Key(path, relative), wide, dtype),
                    _ => throw new NotSupportedException($"Parameter '{path}.{relative}' has element type {parameter.ElementType.Name}."),
                });
            }
        }

        return paths;
    }

    /// <summary>Whether the module at <paramref name="path"/> is, or is inside, a module to save.</summary>
    public static bool IsInside(Module model, string path)
    {
        for (string prefix = path; prefix.Length > 0; prefix = prefix.LastIndexOf('.') is var dot and >= 0 ? prefix[..dot] : "")
        {
            if (model.FindModule(prefix) is { } module && ModuleToSaveOriginal.Of(module) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static SafetensorsTensor ToTensor<T>(string key, Parameter<T> parameter, SafetensorsDType dtype)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        SafetensorsTensor.FromValues<T>(key, parameter.Shape, parameter.Value, dtype);

    private static bool SameShape(ReadOnlySpan<long> file, ReadOnlySpan<int> parameter)
    {
        if (file.Length != parameter.Length)
        {
            return false;
        }

        for (int i = 0; i < file.Length; i++)
        {
            if (file[i] != parameter[i])
            {
                return false;
            }
        }

        return true;
    }
}
