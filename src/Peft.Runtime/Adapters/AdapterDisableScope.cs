using System.Numerics;

namespace Peft;

/// <summary>
/// Keeps a layer's adapters switched off until disposed; returned by <see cref="LinearAdapters{T}.Disable"/>.
/// A struct, so <c>using (layer.Adapters.Disable())</c> allocates nothing.
/// </summary>
public readonly struct AdapterDisableScope<T> : IDisposable
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly LinearAdapters<T>? _adapters;
    private readonly bool _wasDisabled;

    internal AdapterDisableScope(LinearAdapters<T> adapters, bool wasDisabled)
    {
        _adapters = adapters;
        _wasDisabled = wasDisabled;
    }

    /// <summary>Restores the state before <see cref="LinearAdapters{T}.Disable"/> (scopes nest).</summary>
    public void Dispose() => _adapters?.EndDisable(_wasDisabled);
}
