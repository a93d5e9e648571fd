using System.Numerics;

namespace Peft;

// LoHa's attach.
public static partial class LinearAdapterExtensions
{
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
}
