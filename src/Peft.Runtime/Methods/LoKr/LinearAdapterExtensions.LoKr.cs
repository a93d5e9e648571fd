using System.Numerics;

namespace Peft;

// LoKr's attach.
public static partial class LinearAdapterExtensions
{
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
}
