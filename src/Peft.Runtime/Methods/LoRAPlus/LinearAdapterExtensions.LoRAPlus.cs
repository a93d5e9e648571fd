using System.Numerics;

namespace Peft;

// LoRAPlus's attach.
public static partial class LinearAdapterExtensions
{
    /// <summary>Attaches a LoRA+ adapter.</summary>
    /// <inheritdoc cref="AttachLoRA{T}" path="/exception"/>
    public static LoRAPlusAdapter<T> AttachLoRAPlus<T>(this Linear<T> layer, string name, LoRAPlusOptions options, ILoRAKernel<T>? kernel = null)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => (LoRAPlusAdapter<T>)AttachLoRA(layer, name, options, kernel);
}
