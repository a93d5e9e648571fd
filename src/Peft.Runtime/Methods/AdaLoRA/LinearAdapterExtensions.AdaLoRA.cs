using System.Numerics;

namespace Peft;

// AdaLoRA's attach.
public static partial class LinearAdapterExtensions
{
    /// <summary>Attaches an AdaLoRA adapter (A, B ~ N(0, 0.02²), E = 0); its rank budget runs in <see cref="AdaLoRARankAllocator"/>.</summary>
    /// <inheritdoc cref="AttachLoRA{T}" path="/exception"/>
    public static AdaLoRAAdapter<T> AttachAdaLoRA<T>(this Linear<T> layer, string name, AdaLoRAOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => (AdaLoRAAdapter<T>)AttachLoRA(layer, name, options, kernel);
}
