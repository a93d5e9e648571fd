namespace Peft;

/// <summary>
/// Modules held in a list, as PyTorch's <c>nn.ModuleList</c>: children named <c>"0"</c>, <c>"1"</c>, … so
/// paths read <c>layers.3.self_attn.q_proj</c>. It only registers; the owner decides how to call them.
/// </summary>
/// <typeparam name="TModule">The type of the modules.</typeparam>
public sealed class ModuleList<TModule> : Module, IReadOnlyList<TModule>
    where TModule : Module
{
    private readonly List<TModule> _modules = [];

    /// <summary>Creates a list holding <paramref name="modules"/>.</summary>
    public ModuleList(params IEnumerable<TModule> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules)
        {
            Add(module);
        }
    }

    /// <inheritdoc />
    public int Count => _modules.Count;

    /// <inheritdoc />
    public TModule this[int index] => _modules[index];

    /// <summary>Appends <paramref name="module"/> under the next index.</summary>
    public void Add(TModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _modules.Add(module);
    }

    /// <inheritdoc />
    public IEnumerator<TModule> GetEnumerator() => _modules.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
