namespace Peft;

/// <summary>
/// What every adapter kind shares: whether the base layer is frozen while the adapter trains.
/// The concrete options are <see cref="LoRAOptions"/>, <see cref="LoRAPlusOptions"/> and <see cref="MoRAOptions"/>.
/// </summary>
public abstract record AdapterOptions
{
    private protected AdapterOptions()
    {
    }

    /// <summary>Freeze the base weight and bias (the default, as PEFT does); false trains them too.</summary>
    public bool FreezeBase { get; init; } = true;

    /// <summary>Whether the method also adapts <c>Embedding</c> layers (PEFT's <c>lora.Embedding</c>): LoRA and LoRA+ do.</summary>
    internal virtual bool AppliesToEmbeddings => false;

    /// <summary>
    /// Attaches the adapter these options describe to <paramref name="layer"/> with the runtime kernel: each method's options
    /// call its own <c>Attach…</c>, so <see cref="LinearAdapterExtensions.Attach{T}"/> needs no list of methods.
    /// </summary>
    internal abstract Adapter<T> AttachTo<T>(Linear<T> layer, string name)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="context"/> unless the
    /// options fit a layer of the given shape.</summary>
    internal abstract void Validate(string context, int inFeatures, int outFeatures);
}
