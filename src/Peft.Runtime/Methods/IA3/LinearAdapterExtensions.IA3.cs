using System.Numerics;

namespace Peft;

// IA³'s attach.
public static partial class LinearAdapterExtensions
{
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
}
