using System.Numerics;

namespace Peft;

/// <summary>
/// PEFT's <c>modules_to_save</c> (its <c>ModulesToSaveWrapper</c>), kept in place: the module's own parameters
/// become the trained copy (PEFT's <c>modules_to_save.&lt;adapter&gt;</c>) and this frozen child, named
/// <see cref="ChildName"/>, keeps the values they had (PEFT's <c>original_module</c>), mirroring the module's
/// parameters and parameterized children by name. It is an adapter module, so base-weight I/O skips it, and its
/// parameters count in <see cref="TrainableParameterCount"/> as PEFT's originals do.
/// </summary>
internal sealed class ModuleToSaveOriginal : Module, IAdapterModule
{
    /// <summary>The child's name, PEFT's <c>original_module</c>.</summary>
    public const string ChildName = "original_module";

    private ModuleToSaveOriginal(Module source, string adapterName)
    {
        AdapterName = adapterName;
        foreach (var parameter in source.OwnParameters)
        {
            RegisterParameter<Parameter>(parameter switch
            {
                Parameter<float> single => Copy(single),
                Parameter<double> wide => Copy(wide),
                _ => throw new NotSupportedException($"Parameter '{parameter.Name}' has element type {parameter.ElementType.Name}; modules to save hold float or double."),
            });
        }

        foreach (var (name, child) in source.Children)
        {
            if (child is not IAdapterModule && child.NamedParameters().Any())
            {
                RegisterModule(name, new ModuleToSaveOriginal(child, adapterName));
            }
        }
    }

    /// <summary>The adapter whose <c>modules_to_save</c> made the copy.</summary>
    public string AdapterName { get; }

    /// <summary>The frozen original of <paramref name="module"/>, or <see langword="null"/> when it is no module to save.</summary>
    public static ModuleToSaveOriginal? Of(Module module) =>
        module.Children.Select(c => c.Value).OfType<ModuleToSaveOriginal>().FirstOrDefault();

    /// <summary>
    /// Makes <paramref name="module"/> (at <paramref name="path"/> in <paramref name="model"/>) a module to save of
    /// <paramref name="adapterName"/>: its current values are kept in a frozen <see cref="ChildName"/> child and its
    /// parameters are trainable unless <paramref name="trainable"/> is false (PEFT's inference mode).
    /// </summary>
    /// <exception cref="NotSupportedException">See <see cref="Check"/>.</exception>
    public static void Mark(Module model, string path, Module module, string adapterName, bool trainable)
    {
        Check(model, path, module, adapterName);
        if (Of(module) is null)
        {
            module.RegisterModule(ChildName, new ModuleToSaveOriginal(module, adapterName));
        }

        foreach (var (_, parameter) in BaseParameters(module))
        {
            parameter.Trainable = trainable;
        }
    }

    /// <summary>Checks, before anything changes, that <paramref name="module"/> can become a module to save of <paramref name="adapterName"/>.</summary>
    /// <exception cref="NotSupportedException">The module is adapted, quantized, already a module to save of another
    /// adapter, or shares a parameter with a module outside it (tied weights, which PEFT's copy would untie).</exception>
    public static void Check(Module model, string path, Module module, string adapterName)
    {
        if (Of(module) is { } existing)
        {
            if (existing.AdapterName != adapterName)
            {
                throw new NotSupportedException(
                    $"Module '{path}' is already a module to save of adapter '{existing.AdapterName}'; one copy per module is supported, not one per adapter.");
            }

            return;
        }

        var inside = new HashSet<Module>(module.NamedModules().Select(m => m.Value), ReferenceEqualityComparer.Instance);
        if (inside.Any(m => m is Linear<float> { HasAdapters: true } or Linear<double> { HasAdapters: true } or Embedding<float> { Adapter: not null } or Embedding<double> { Adapter: not null }))
        {
            throw new NotSupportedException($"Module '{path}' carries an adapter; a module to save is copied whole and cannot also be an adapter target.");
        }

        if (BaseParameters(module).FirstOrDefault(p => p.Value is Parameter<float> { HasValue: false } or Parameter<double> { HasValue: false }) is { Value: not null, Key: var quantized })
        {
            throw new NotSupportedException($"Module '{path}' holds '{quantized}' quantized; a module to save is trained in full, so dequantize it first.");
        }

        var own = new HashSet<Parameter>(module.NamedParameters().Select(p => p.Value), ReferenceEqualityComparer.Instance);
        foreach (var (otherPath, other) in model.NamedModules())
        {
            if (!inside.Contains(other) && other.OwnParameters.FirstOrDefault(own.Contains) is { } shared)
            {
                throw new NotSupportedException(
                    $"Module '{path}' shares parameter '{shared.Name}' {shared.ShapeText} with '{otherPath}' (tied weights); PEFT's modules_to_save trains an untied copy, which this model cannot hold.");
            }
        }
    }

    /// <summary>The module's own (copied) parameters with their paths relative to it, adapters and the original left out.</summary>
    public static IEnumerable<KeyValuePair<string, Parameter>> BaseParameters(Module module)
    {
        var skipped = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (_, child) in module.NamedModules())
        {
            if (child is IAdapterModule)
            {
                skipped.UnionWith(child.NamedParameters().Select(p => p.Value));
            }
        }

        return module.NamedParameters().Where(p => !skipped.Contains(p.Value));
    }

    private static Parameter<T> Copy<T>(Parameter<T> parameter)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var copy = new Parameter<T>(parameter.Name, parameter.Shape, parameter.Role, trainable: false);
        parameter.Value.CopyTo(copy.Value, 0);
        return copy;
    }
}
