using System.Numerics;

namespace Peft;

// MoRA's attach.
public static partial class LinearAdapterExtensions
{
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
}
