using System.Collections;
using System.Numerics;

namespace Peft;

/// <summary>
/// The named adapters of one <see cref="Linear{T}"/>. At most one is active: the layer adds its
/// contribution in Forward and back-propagates it in Backward; only its parameters are trainable
/// (as PEFT's <c>set_adapter</c>). The first adapter attached becomes active; select another with
/// <see cref="SetActive"/>, switch all off for a while with <see cref="Disable"/>.
/// </summary>
public sealed class LinearAdapters<T> : IReadOnlyList<Adapter<T>>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Linear<T> _layer;
    private readonly List<Adapter<T>> _adapters = [];

    internal LinearAdapters(Linear<T> layer) => _layer = layer;

    /// <summary>The adapter the layer uses, or <see langword="null"/> when there is none.</summary>
    public Adapter<T>? Active { get; private set; }

    /// <summary>Whether adapters are switched off (the layer computes the base only).</summary>
    public bool IsDisabled { get; private set; }

    /// <inheritdoc />
    public int Count => _adapters.Count;

    /// <inheritdoc />
    public Adapter<T> this[int index] => _adapters[index];

    /// <summary>The adapter called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No adapter has that name; the message lists the names.</exception>
    public Adapter<T> this[string name]
        => TryGet(name, out var adapter)
            ? adapter
            : throw new ArgumentException(
                $"Linear [{_layer.OutFeatures}, {_layer.InFeatures}] has no adapter '{name}' (adapters: {NamesText()}).",
                nameof(name));

    /// <summary>Finds the adapter called <paramref name="name"/>.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Adapter<T>? adapter)
    {
        foreach (var candidate in _adapters)
        {
            if (candidate.Name == name)
            {
                adapter = candidate;
                return true;
            }
        }

        adapter = null;
        return false;
    }

    /// <summary>Makes <paramref name="name"/> the active adapter; the others stop training.</summary>
    public void SetActive(string name)
    {
        // A merged adapter that stops being active stays folded into W and keeps acting, as in PEFT.
        var adapter = this[name];
        Active = adapter;
        foreach (var candidate in _adapters)
        {
            candidate.SetTrainable(ReferenceEquals(candidate, adapter));
        }
    }

    /// <summary>
    /// Removes the adapter called <paramref name="name"/> (unmerging it first if merged). When it was
    /// active, the first remaining adapter becomes active.
    /// </summary>
    /// <returns>Whether an adapter was removed.</returns>
    public bool Remove(string name)
    {
        if (!TryGet(name, out var adapter))
        {
            return false;
        }

        if (adapter.IsMerged)
        {
            Unmerge(adapter);
        }

        _adapters.Remove(adapter);
        _layer.RemoveAdapterModule(adapter);
        if (ReferenceEquals(Active, adapter))
        {
            Active = null;
            if (_adapters.Count > 0)
            {
                SetActive(_adapters[0].Name);
            }
        }

        return true;
    }

    /// <summary>
    /// Switches adapters off until the returned scope is disposed (<c>using (layer.Adapters.Disable()) …</c>).
    /// Merged adapters are unmerged first, as PEFT's <c>disable_adapter</c> does.
    /// </summary>
    public AdapterDisableScope<T> Disable()
    {
        Unmerge();
        bool wasDisabled = IsDisabled;
        IsDisabled = true;
        return new AdapterDisableScope<T>(this, wasDisabled);
    }

    /// <summary>Folds the active adapter into the layer's weight: <c>W ← W + ΔW</c> (DoRA: <c>W ← (m/‖W + ΔW‖_row) ⊙ (W + ΔW)</c>).</summary>
    /// <exception cref="InvalidOperationException">There is no active adapter, or adapters are disabled.</exception>
    public void Merge()
    {
        if (Active is null)
        {
            throw new InvalidOperationException($"Linear [{_layer.OutFeatures}, {_layer.InFeatures}] has no active adapter to merge.");
        }

        if (IsDisabled)
        {
            throw new InvalidOperationException($"{Active.Context}: adapters are disabled; merge after the disable scope ends.");
        }

        if (!Active.IsMerged)
        {
            // A 4-bit base cannot absorb ΔW: merging expands it to full precision first (QLoRA's merge).
            _layer.Dequantize();
            Active.MergeInto(_layer.Weight.Value);
            Active.IsMerged = true;
        }
    }

    /// <summary>Takes every merged adapter back out of the weight: <c>W ← W − ΔW</c> (to rounding).</summary>
    public void Unmerge()
    {
        for (int i = _adapters.Count - 1; i >= 0; i--)
        {
            if (_adapters[i].IsMerged)
            {
                Unmerge(_adapters[i]);
            }
        }
    }

    /// <summary>
    /// Adds a LoRA adapter named <paramref name="name"/> combining existing LoRA adapters with
    /// <paramref name="weights"/> (PEFT's <c>add_weighted_adapter</c>); it is not made active.
    /// </summary>
    /// <exception cref="ArgumentException">A name is unknown or not LoRA, counts differ, ranks differ for
    /// <see cref="LoRACombination.Linear"/>, or a weight is not finite.</exception>
    public LoRAAdapter<T> AddWeighted(string name, IReadOnlyList<string> adapters, IReadOnlyList<double> weights, LoRACombination combination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (TryGet(name, out _))
        {
            throw new ArgumentException($"Linear [{_layer.OutFeatures}, {_layer.InFeatures}] already has an adapter named '{name}'.", nameof(name));
        }

        return Add(LoRACombiner.Combine(_layer, name, adapters, weights, combination));
    }

    /// <inheritdoc />
    public IEnumerator<Adapter<T>> GetEnumerator() => _adapters.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Registers a new adapter with the layer (the first becomes active).</summary>
    internal TAdapter Add<TAdapter>(TAdapter adapter)
        where TAdapter : Adapter<T>
    {
        if (TryGet(adapter.Name, out _))
        {
            throw new ArgumentException($"{adapter.Context}: the layer already has an adapter named '{adapter.Name}'.");
        }

        _layer.AddAdapterModule(adapter.Name, adapter);
        _adapters.Add(adapter);
        if (Active is null)
        {
            SetActive(adapter.Name);
        }
        else
        {
            adapter.SetTrainable(false);
        }

        return adapter;
    }

    internal void EndDisable(bool wasDisabled) => IsDisabled = wasDisabled;

    /// <summary>y += Δ(x) for the active adapter unless disabled or merged (then ΔW is already in W).</summary>
    internal void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        if (Active is { IsMerged: false } active && !IsDisabled)
        {
            active.Forward(input, output, batch);
        }
    }

    /// <summary>The adapter that acts on the layer's products: the active one unless disabled or merged, else null.</summary>
    internal Adapter<T>? Acting => Active is { IsMerged: false } active && !IsDisabled ? active : null;

    /// <summary>The gradient the base product receives (see <see cref="Adapter{T}.BaseOutputGradient"/>): dY unless the active adapter rescales it.</summary>
    internal ReadOnlySpan<T> BaseOutputGradient(ReadOnlySpan<T> outputGradient, int batch)
        => Active is { IsMerged: false } active && !IsDisabled ? active.BaseOutputGradient(outputGradient, batch) : outputGradient;

    internal void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        if (Active is null || IsDisabled)
        {
            return;
        }

        if (Active.IsMerged)
        {
            throw new InvalidOperationException($"{Active.Context} is merged into the weight; unmerge it before training.");
        }

        Active.Backward(input, outputGradient, inputGradient, batch);
    }

    private void Unmerge(Adapter<T> adapter)
    {
        adapter.UnmergeFrom(_layer.Weight.Value);
        adapter.IsMerged = false;
    }

    /// <summary>Whether any adapter is merged into the layer's weight.</summary>
    internal bool HasMerged => _adapters.Exists(adapter => adapter.IsMerged);

    private string NamesText() => _adapters.Count == 0 ? "none" : string.Join(", ", _adapters.Select(a => $"'{a.Name}'"));
}
