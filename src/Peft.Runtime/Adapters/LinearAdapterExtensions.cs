using System.Numerics;

namespace Peft;

/// <summary>
/// Attaching adapters to a <see cref="Linear{T}"/>. The layer object stays the same (users keep
/// their <c>Linear</c> members); the adapter becomes a child module named by the adapter, and the
/// first adapter of a layer becomes its active one. Each method takes an optional kernel: the
/// source generator passes its rank-specialized one, the runtime path uses the generic kernel.
/// </summary>
public static class LinearAdapterExtensions
{
    /// <summary>PEFT's default adapter name.</summary>
    public const string DefaultName = "default";

    /// <summary>Attaches a LoRA adapter (a <see cref="LoRAPlusAdapter{T}"/> for <see cref="LoRAPlusOptions"/>, a <see cref="DoRAAdapter{T}"/> for <see cref="DoRAOptions"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options (rank ≤ 0 or above min(in, out), dropout outside [0, 1),
    /// ratio below 1 or NaN), a kernel of another rank or shape, or a taken name.</exception>
    public static LoRAAdapter<T> AttachLoRA<T>(this Linear<T> layer, string name, LoRAOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Register(layer, LoRAAdapter<T>.Create(layer, name, options, kernel), options);
    }

    /// <summary>Attaches a LoRA+ adapter.</summary>
    /// <inheritdoc cref="AttachLoRA{T}" path="/exception"/>
    public static LoRAPlusAdapter<T> AttachLoRAPlus<T>(this Linear<T> layer, string name, LoRAPlusOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => (LoRAPlusAdapter<T>)AttachLoRA(layer, name, options, kernel);

    /// <summary>Attaches a DoRA adapter (magnitude initialised to the row norms of the layer's current weight).</summary>
    /// <inheritdoc cref="AttachLoRA{T}" path="/exception"/>
    public static DoRAAdapter<T> AttachDoRA<T>(this Linear<T> layer, string name, DoRAOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => (DoRAAdapter<T>)AttachLoRA(layer, name, options, kernel);

    /// <summary>Attaches a MoRA adapter.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">Rank ≤ 0, a kernel built for another shape, or a taken name.</exception>
    public static MoRAAdapter<T> AttachMoRA<T>(this Linear<T> layer, string name, MoRAOptions options, IMoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Register(layer, new MoRAAdapter<T>(layer, name, options, kernel), options);
    }

    /// <summary>
    /// Attaches a VeRA adapter over <see cref="VeRAOptions.Projections"/> (when null, projections drawn from the key and
    /// sized to this layer; attach every layer of a model with the same projections, as <see cref="ModuleAdapterExtensions.Apply"/> does).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options, projections too small for the layer, a kernel of another rank or shape, or a taken name.</exception>
    public static VeRAAdapter<T> AttachVeRA<T>(this Linear<T> layer, string name, VeRAOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Register(layer, new VeRAAdapter<T>(layer, name, options, kernel), options);
    }

    /// <summary>Attaches an IA³ adapter (its vector at ones: the layer is unchanged until it trains).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A kernel of another width, or a taken name.</exception>
    public static IA3Adapter<T> AttachIA3<T>(this Linear<T> layer, string name, IA3Options options, IIA3Kernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Register(layer, new IA3Adapter<T>(layer, name, options, kernel), options);
    }

    /// <summary>Attaches the adapter the options describe (LoRA, LoRA+, DoRA or MoRA) with the runtime kernel.</summary>
    public static Adapter<T> Attach<T>(this Linear<T> layer, string name, AdapterOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => options switch
        {
            LoRAOptions lora => AttachLoRA(layer, name, lora),
            MoRAOptions mora => AttachMoRA(layer, name, mora),
            VeRAOptions vera => AttachVeRA(layer, name, vera),
            IA3Options ia3 => AttachIA3(layer, name, ia3),
            null => throw new ArgumentNullException(nameof(options)),
            _ => throw new ArgumentException($"Unknown adapter options {options.GetType().Name}.", nameof(options)),
        };

    private static TAdapter Register<T, TAdapter>(Linear<T> layer, TAdapter adapter, AdapterOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TAdapter : Adapter<T>
    {
        layer.Adapters.Add(adapter);
        layer.IsFrozen = options.FreezeBase;
        return adapter;
    }
}
