using System.Numerics;

namespace Peft;

// LoRA's attach.
public static partial class LinearAdapterExtensions
{
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
}
