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

    /// <summary>Attaches a LoHa adapter (<c>ΔW = s·(W1a·W1b) ⊙ (W2a·W2b)</c>); its kernel is LoRA's at rank r².</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options (rank ≤ 0, non-finite α, a dropout outside [0, 1)), a kernel
    /// of another rank or shape, or a taken name.</exception>
    public static LoHaAdapter<T> AttachLoHa<T>(this Linear<T> layer, string name, LoHaOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Register(layer, new LoHaAdapter<T>(layer, name, options, kernel), options);
    }

    /// <summary>Attaches a LoKr adapter (<c>ΔW = s·(W1 ⊗ W2)</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">Invalid options (rank ≤ 0, non-finite α, a dropout outside [0, 1), a decompose
    /// factor that does not divide in and out), a kernel of another geometry, or a taken name.</exception>
    public static LoKrAdapter<T> AttachLoKr<T>(this Linear<T> layer, string name, LoKrOptions options, LoKrKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Register(layer, new LoKrAdapter<T>(layer, name, options, kernel), options);
    }

    /// <summary>Attaches the adapter the options describe (LoRA, LoRA+, DoRA, MoRA, LoHa or LoKr) with the runtime kernel.</summary>
    public static Adapter<T> Attach<T>(this Linear<T> layer, string name, AdapterOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => options switch
        {
            LoRAOptions lora => AttachLoRA(layer, name, lora),
            MoRAOptions mora => AttachMoRA(layer, name, mora),
            LoHaOptions loha => AttachLoHa(layer, name, loha),
            LoKrOptions lokr => AttachLoKr(layer, name, lokr),
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
