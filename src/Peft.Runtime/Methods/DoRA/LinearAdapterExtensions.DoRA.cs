using System.Numerics;

namespace Peft;

// DoRA's attach.
public static partial class LinearAdapterExtensions
{
    /// <summary>Attaches a DoRA adapter (magnitude initialised to the row norms of the layer's current weight).</summary>
    /// <inheritdoc cref="AttachLoRA{T}" path="/exception"/>
    public static DoRAAdapter<T> AttachDoRA<T>(this Linear<T> layer, string name, DoRAOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => (DoRAAdapter<T>)AttachLoRA(layer, name, options, kernel);
}
