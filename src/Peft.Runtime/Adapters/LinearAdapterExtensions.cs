using System.Numerics;

namespace Peft;

/// <summary>
/// Attaching adapters to a <see cref="Linear{T}"/>. The layer object stays the same (users keep
/// their <c>Linear</c> members); the adapter becomes a child module named by the adapter, and the
/// first adapter of a layer becomes its active one. Each method's <c>Attach…</c> lives in its folder
/// (<c>Methods/&lt;Method&gt;/LinearAdapterExtensions.&lt;Method&gt;.cs</c>) and takes an optional kernel: the source
/// generator passes its rank-specialized one, the runtime path uses the generic kernel.
/// </summary>
public static partial class LinearAdapterExtensions
{
    /// <summary>PEFT's default adapter name.</summary>
    public const string DefaultName = "default";

    /// <summary>Attaches the adapter the options describe (its method's <c>Attach…</c>) with the runtime kernel.</summary>
    public static Adapter<T> Attach<T>(this Linear<T> layer, string name, AdapterOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AttachTo(layer, name);
    }

    /// <summary>Adds <paramref name="adapter"/> to the layer (the first becomes active) and freezes the base as the options say.</summary>
    internal static TAdapter Register<T, TAdapter>(Linear<T> layer, TAdapter adapter, AdapterOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TAdapter : Adapter<T>
    {
        layer.Adapters.Add(adapter);
        layer.IsFrozen = options.FreezeBase;
        return adapter;
    }
}
