using System.Numerics;
using Peft.Generated;

namespace Peft;

/// <summary>
/// <see cref="Apply(Module, AdapterConfig)"/> with kernels chosen per layer: what the <c>AttachAdapters</c> a source
/// generator writes for a class-level <c>[LoRA(TargetModules = …)]</c> calls, so that the generated path and the runtime
/// path share one matching, freezing, seeding and bookkeeping and differ only in the kernel each layer runs.
/// </summary>
public static partial class ModuleAdapterExtensions
{
    /// <summary>
    /// <see cref="Apply(Module, AdapterConfig)"/> for LoRA, LoRA+ or DoRA options, each targeted <c>Linear&lt;T&gt;</c>
    /// running the kernel <paramref name="kernel"/> creates for it (one kernel per layer: kernels keep scratch; null: the runtime kernel).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Apply(Module, AdapterConfig)"/>; also when the options are not LoRA
    /// options, or a targeted layer is a <c>Linear</c> of another element type than <typeparamref name="T"/> (the message names its path).</exception>
    public static IReadOnlyList<string> Apply<T>(this Module model, AdapterConfig config, Func<Linear<T>, ILoRAKernel<T>?> kernel)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(kernel);
        RequireOptions<LoRAOptions>(config, "LoRA kernels need LoRA, LoRA+ or DoRA options");
        return ApplyWith(model, config, (module, name, options) => Layer<T>(module).AttachLoRA(name, (LoRAOptions)options, kernel(Layer<T>(module))));
    }

    /// <summary>
    /// <see cref="Apply(Module, AdapterConfig)"/> for MoRA options, each targeted <c>Linear&lt;T&gt;</c> running the kernel
    /// <paramref name="kernel"/> creates for it (null: the runtime kernel, as for the grouped MoRA types).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Apply(Module, AdapterConfig)"/>; also when the options are not MoRA
    /// options, or a targeted layer is a <c>Linear</c> of another element type than <typeparamref name="T"/>.</exception>
    public static IReadOnlyList<string> Apply<T>(this Module model, AdapterConfig config, Func<Linear<T>, IMoRAKernel<T>?> kernel)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(kernel);
        RequireOptions<MoRAOptions>(config, "MoRA kernels need MoRA options");
        return ApplyWith(model, config, (module, name, options) => Layer<T>(module).AttachMoRA(name, (MoRAOptions)options, kernel(Layer<T>(module))));
    }

    /// <summary>The kernels of one method need that method's options: anything else is an error saying <paramref name="need"/>.</summary>
    private static void RequireOptions<TOptions>(AdapterConfig config, string need)
        where TOptions : AdapterOptions
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Options is not TOptions)
        {
            throw new ArgumentException($"{need}, not {config.Options?.GetType().Name ?? "null"}.", nameof(config));
        }
    }

    /// <summary>The targeted layer as a <c>Linear&lt;T&gt;</c>; a layer of the other element type is an error (caught and prefixed with its path by Apply).</summary>
    private static Linear<T> Layer<T>(Module module)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => module as Linear<T>
            ?? throw new ArgumentException($"the layer is a {module.GetType().Name}, but the kernels are for Linear<{typeof(T).Name}>.");
}
