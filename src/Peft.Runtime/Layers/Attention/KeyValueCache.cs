using System.Numerics;

namespace Peft;

/// <summary>
/// The rotated keys and the values of every attention layer for generation: per layer
/// <c>[batch, kvHeads, maxLength, headDim]</c> of keys and of values, allocated once. A
/// <see cref="CausalSelfAttention{T}"/> given the cache attends to what its layer holds and appends its new
/// tokens; each layer keeps its own length.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class KeyValueCache<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[][] _keys;
    private readonly T[][] _values;
    private readonly int[] _lengths;

    /// <summary>Allocates an empty cache.</summary>
    /// <exception cref="ArgumentException">A size is not positive, or the cache would not fit in arrays.</exception>
    public KeyValueCache(int layers, int batch, int maxLength, int kvHeads, int headDim)
    {
        long perLayer = (long)batch * kvHeads * maxLength * headDim;
        if (layers <= 0 || batch <= 0 || maxLength <= 0 || kvHeads <= 0 || headDim <= 0 || perLayer > Array.MaxLength)
        {
            throw new ArgumentException(
                $"KeyValueCache: needs positive sizes that fit in an array, got layers={layers}, batch={batch}, maxLength={maxLength}, kvHeads={kvHeads}, headDim={headDim}.");
        }

        (Layers, Batch, MaxLength, KeyValueHeads, HeadDim) = (layers, batch, maxLength, kvHeads, headDim);
        _keys = new T[layers][];
        _values = new T[layers][];
        _lengths = new int[layers];
        for (int i = 0; i < layers; i++)
        {
            _keys[i] = new T[perLayer];
            _values[i] = new T[perLayer];
        }
    }

    /// <summary>The number of layers.</summary>
    public int Layers { get; }

    /// <summary>The batch size.</summary>
    public int Batch { get; }

    /// <summary>The most tokens a layer can hold.</summary>
    public int MaxLength { get; }

    /// <summary>The key/value heads per layer.</summary>
    public int KeyValueHeads { get; }

    /// <summary>The head dimension.</summary>
    public int HeadDim { get; }

    /// <summary>The tokens layer 0 holds: after a complete model step, the tokens every layer holds.</summary>
    public int Length => _lengths[0];

    /// <summary>The tokens layer <paramref name="layer"/> holds.</summary>
    public int LayerLength(int layer) => _lengths[CheckLayer(layer)];

    /// <summary>Empties every layer (the memory is kept).</summary>
    public void Reset() => Array.Clear(_lengths);

    /// <summary>Layer <paramref name="layer"/>'s keys, <c>[batch, kvHeads, maxLength, headDim]</c>.</summary>
    internal T[] Keys(int layer) => _keys[layer];

    /// <summary>Layer <paramref name="layer"/>'s values, <c>[batch, kvHeads, maxLength, headDim]</c>.</summary>
    internal T[] Values(int layer) => _values[layer];

    /// <summary>
    /// Fills the empty layer <paramref name="layer"/> with <paramref name="prefix"/>'s keys and values for every batch row
    /// (prefix tuning's virtual positions, which generation then continues after).
    /// </summary>
    /// <exception cref="ArgumentException">The layer already holds tokens, or the prefix does not fit the cache.</exception>
    internal void Prefill(int layer, AttentionPrefix<T> prefix)
    {
        if (_lengths[CheckLayer(layer)] != 0 || prefix.Length > MaxLength || prefix.Key(0).Length != KeyValueHeads * HeadDim)
        {
            throw new ArgumentException(
                $"KeyValueCache: layer {layer} holds {_lengths[layer]} tokens; a prefix of {prefix.Length} positions × {prefix.Key(0).Length} " +
                $"needs an empty layer of max length ≥ {prefix.Length} and {KeyValueHeads} kv heads × head dim {HeadDim}.", nameof(prefix));
        }

        // [b, h, t, :] ← row t, head h of the prefix.
        for (int b = 0; b < Batch; b++)
        {
            for (int h = 0; h < KeyValueHeads; h++)
            {
                for (int t = 0; t < prefix.Length; t++)
                {
                    int target = ((b * KeyValueHeads + h) * MaxLength + t) * HeadDim;
                    prefix.Key(t).Slice(h * HeadDim, HeadDim).CopyTo(_keys[layer].AsSpan(target, HeadDim));
                    prefix.Value(t).Slice(h * HeadDim, HeadDim).CopyTo(_values[layer].AsSpan(target, HeadDim));
                }
            }
        }

        _lengths[layer] = prefix.Length;
    }

    /// <summary>Records <paramref name="count"/> more tokens in <paramref name="layer"/>.</summary>
    internal void Advance(int layer, int count) => _lengths[layer] += count;

    internal int CheckLayer(int layer)
    {
        if ((uint)layer >= (uint)Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"KeyValueCache: layer {layer} is outside [0, {Layers}).");
        }

        return layer;
    }
}
