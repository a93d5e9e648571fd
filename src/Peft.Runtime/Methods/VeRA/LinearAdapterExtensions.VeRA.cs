using System.Numerics;

namespace Peft;

// VeRA's attach.
public static partial class LinearAdapterExtensions
{
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
}
