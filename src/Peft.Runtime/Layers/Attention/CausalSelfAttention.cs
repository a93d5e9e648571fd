using System.Numerics;
using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// The core of a Llama-family attention block, without its projections: rotary embeddings on the
/// queries and keys, grouped-query heads (query head <c>h</c> reads key/value head
/// <c>h / (heads / kvHeads)</c>), the causal mask plus an optional padding mask, and
/// <c>softmax(q·kᵀ/√D)·v</c> per head. Inputs are the q/k/v projections as they come:
/// query <c>[B, S, heads·D]</c>, key and value <c>[B, S, kvHeads·D]</c>; the output is <c>[B, S, heads·D]</c>.
/// </summary>
/// <remarks>
/// <para>Positions: token <c>s</c> sits at <c>past + s</c> (<c>past</c> = the tokens the cache holds), or, with a
/// mask, at the number of real tokens up to it minus one (padding at position 1), as transformers'
/// <c>generate</c> derives <c>position_ids</c> from <c>attention_mask</c>.</para>
/// <para>A query that may attend to no key (a padding row whose every visible key is padding) outputs zeros
/// and passes no gradient.</para>
/// <para>Speed: work is split over (batch, kv head) on the worker pool; each item computes
/// <c>q·kᵀ</c> and <c>P·v</c> with <see cref="Gemm"/> on strided views, in blocks of query rows so that keys
/// past the causal limit of a block are never multiplied. Nothing is allocated once the buffers have
/// grown to the largest shape.</para>
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed partial class CausalSelfAttention<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Query rows per block: block [r0, r1) attends to keys [0, past + r1).</summary>
    private const int BlockRows = 32;

    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _queryRotated = new(0);
    private readonly Tensor<T> _keyRotated = new(0);
    private readonly Tensor<T> _probabilities = new(0);
    private readonly Tensor<T> _keyBias = new(0);
    private readonly Tensor<T> _valueJoined = new(0);
    private readonly T _scale;
    private int[] _positions = [];
    private bool[] _padded = [];

    // The latest forward pass.
    private Tensor<T>? _value;
    private readonly int[] _valueShape = new int[3];
    private int _batch, _sequence, _past, _total;
    private bool _cached;
    private AttentionPrefix<T>? _prefix;
    private Memory<T> _keys, _values;
    private int _kvBatchStride, _kvHeadStride, _kvRowStride;

    /// <summary>Creates the attention core.</summary>
    /// <param name="heads">Query heads; a positive multiple of <paramref name="kvHeads"/>.</param>
    /// <param name="kvHeads">Key/value heads; positive.</param>
    /// <param name="headDim">The head dimension D; equal to the rotary embedding's.</param>
    /// <param name="rope">The rotary embedding (shared by every layer).</param>
    /// <param name="layerIndex">This layer's slot in a <see cref="KeyValueCache{T}"/>.</param>
    /// <exception cref="ArgumentException">The sizes do not fit together; the message names them.</exception>
    public CausalSelfAttention(int heads, int kvHeads, int headDim, RotaryEmbedding rope, int layerIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(rope);
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDim <= 0 || headDim != rope.HeadDim || layerIndex < 0)
        {
            throw new ArgumentException(
                $"CausalSelfAttention: needs heads a positive multiple of kv heads, head dim equal to the rotary embedding's ({rope.HeadDim}) and a layer index ≥ 0; " +
                $"got heads={heads}, kvHeads={kvHeads}, headDim={headDim}, layerIndex={layerIndex}.");
        }

        (Heads, KeyValueHeads, HeadDim, Rope, LayerIndex) = (heads, kvHeads, headDim, rope, layerIndex);
        _scale = T.One / T.Sqrt(T.CreateTruncating(headDim));
    }

    /// <summary>Query heads.</summary>
    public int Heads { get; }

    /// <summary>Key/value heads.</summary>
    public int KeyValueHeads { get; }

    /// <summary>The head dimension D.</summary>
    public int HeadDim { get; }

    /// <summary>This layer's slot in a <see cref="KeyValueCache{T}"/>.</summary>
    public int LayerIndex { get; }

    /// <summary>The rotary embedding.</summary>
    public RotaryEmbedding Rope { get; }

    /// <summary>
    /// A key/value prefix the forward passes without a cache attend to before the tokens (prefix tuning), or null.
    /// The tokens then sit at positions <c>prefix + s</c>, a mask is <c>[B, prefix + S]</c>, and <see cref="Backward"/>
    /// adds the prefix's gradient. Set by the model that owns the prefix around its forward pass.
    /// </summary>
    internal AttentionPrefix<T>? Prefix { get; set; }

    private int QueryWidth => Heads * HeadDim;

    private int KeyWidth => KeyValueHeads * HeadDim;

    private int Group => Heads / KeyValueHeads;

    /// <summary>
    /// Computes attention of the new tokens. Without a cache the keys and values are exactly
    /// <paramref name="key"/>/<paramref name="value"/>; with one they are what the cache holds for this layer
    /// followed by the new tokens, which are appended. The output belongs to the module; the inputs are
    /// remembered for <see cref="Backward"/> (<paramref name="value"/> must stay unchanged until then).
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names the layer and the shapes), the
    /// mask is not <c>[B, past + S]</c> of 0/1, or the cache is full or shaped for another model.</exception>
    public Tensor<T> Forward(Tensor<T> query, Tensor<T> key, Tensor<T> value, AttentionMask? mask = null, KeyValueCache<T>? cache = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        CheckInputs(query, key, value);
        int batch = query.Size(0), sequence = query.Size(1);
        var prefix = cache is null ? Prefix : null;
        int past = cache is null ? prefix?.Length ?? 0 : CheckCache(cache, batch, sequence);
        int total = past + sequence;
        PreparePositions(mask, batch, sequence, past, total);

        _queryRotated.Reshape(query.Shape);
        _probabilities.Reshape(batch, Heads, sequence, total);
        _output.Reshape(query.Shape);
        (_batch, _sequence, _past, _total, _cached, _prefix) = (batch, sequence, past, total, cache is not null, prefix);
        if (cache is null)
        {
            // Keys [B, prefix + S, kvHeads·D]: the prefix rows, then the rotated keys; the values likewise when there is a prefix.
            _keyRotated.Reshape(batch, total, KeyWidth);
            if (prefix is not null)
            {
                _valueJoined.Reshape(batch, total, KeyWidth);
            }

            (_keys, _values) = (_keyRotated.Memory, prefix is null ? value.Memory : _valueJoined.Memory);
            (_kvBatchStride, _kvHeadStride, _kvRowStride) = (total * KeyWidth, HeadDim, KeyWidth);
        }
        else
        {
            (_keys, _values) = (cache.Keys(LayerIndex), cache.Values(LayerIndex));
            (_kvBatchStride, _kvHeadStride, _kvRowStride) = (KeyValueHeads * cache.MaxLength * HeadDim, cache.MaxLength * HeadDim, HeadDim);
        }

        _value = value;
        value.Shape.CopyTo(_valueShape);
        KernelParallel.Run(new ForwardRegion(this, query, key, value), default(KernelSpans<T>), batch * KeyValueHeads, 1, KernelParallel.MaxParticipants);
        cache?.Advance(LayerIndex, sequence);
        if (cache is not null)
        {
            _value = null; // with a cache there is no backward pass
        }

        return _output;
    }

    /// <summary>The error-message name of this layer.</summary>
    private string Describe() => $"CausalSelfAttention (layer {LayerIndex}, heads {Heads}, kv heads {KeyValueHeads}, head dim {HeadDim})";

    private void CheckInputs(Tensor<T> query, Tensor<T> key, Tensor<T> value)
    {
        if (query.Rank != 3 || query.Width != QueryWidth)
        {
            throw new ArgumentException($"{Describe()}: query is {query.ShapeText()}, expected [B, S, {QueryWidth}].", nameof(query));
        }

        int batch = query.Size(0), sequence = query.Size(1);
        if (!key.HasShape([batch, sequence, KeyWidth]) || !value.HasShape([batch, sequence, KeyWidth]))
        {
            throw new ArgumentException(
                $"{Describe()}: key is {key.ShapeText()} and value {value.ShapeText()}, expected [{batch}, {sequence}, {KeyWidth}] for query {query.ShapeText()}.",
                nameof(key));
        }
    }

    private int CheckCache(KeyValueCache<T> cache, int batch, int sequence)
    {
        if (cache.Batch != batch || cache.KeyValueHeads != KeyValueHeads || cache.HeadDim != HeadDim || LayerIndex >= cache.Layers)
        {
            throw new ArgumentException(
                $"{Describe()}: the cache holds {cache.Layers} layers × batch {cache.Batch} × {cache.KeyValueHeads} kv heads × head dim {cache.HeadDim}, " +
                $"which does not fit batch {batch}.", nameof(cache));
        }

        int past = cache.LayerLength(LayerIndex);
        if (past + sequence > cache.MaxLength)
        {
            throw new ArgumentException(
                $"{Describe()}: the cache holds {past} tokens; {sequence} more exceed its max length {cache.MaxLength}.", nameof(cache));
        }

        return past;
    }

    // Positions per (b, s) and the additive key bias (0 = attend, −∞ = padding) per (b, key).
    private void PreparePositions(AttentionMask? mask, int batch, int sequence, int past, int total)
    {
        if (_positions.Length < batch * sequence)
        {
            _positions = new int[batch * sequence];
        }

        if (_padded.Length < batch)
        {
            _padded = new bool[batch];
        }

        int maxPosition = 0;
        if (mask is null)
        {
            for (int i = 0; i < batch * sequence; i++)
            {
                _positions[i] = past + i % sequence;
            }

            _padded.AsSpan(0, batch).Clear();
            maxPosition = past + sequence - 1;
        }
        else
        {
            var m = mask.Values;
            if (!m.HasShape([batch, total]))
            {
                throw new ArgumentException(
                    $"{Describe()}: the attention mask is {m.ShapeText()}, expected [{batch}, {total}] (batch × cached + new tokens).", nameof(mask));
            }

            _keyBias.Reshape(batch, total);
            var values = m.Span;
            var bias = _keyBias.Span;
            for (int b = 0; b < batch; b++)
            {
                int real = 0;
                _padded[b] = false;
                for (int j = 0; j < total; j++)
                {
                    int flag = values[b * total + j];
                    if (flag is not (0 or 1))
                    {
                        throw new ArgumentException($"{Describe()}: attention mask [{b}, {j}] is {flag}; it must be 0 or 1.", nameof(mask));
                    }

                    real += flag;
                    _padded[b] |= flag == 0;
                    bias[b * total + j] = flag == 1 ? T.Zero : T.NegativeInfinity;
                    if (j >= past)
                    {
                        // transformers' generate: position_ids = cumsum(mask) − 1, padding set to 1.
                        int position = flag == 1 ? real - 1 : 1;
                        _positions[b * sequence + j - past] = position;
                        maxPosition = Math.Max(maxPosition, position);
                    }
                }
            }
        }

        Rope.EnsurePositions(maxPosition + 1);
    }

    /// <summary>
    /// One (batch, kv head) item: copy the prefix rows of its head (when there is a prefix), rotate its keys (into the
    /// cache or after the prefix, with the values),
    /// then for each query head of its group rotate the queries and compute
    /// <c>P = softmax(q·kᵀ/√D + mask)</c> and <c>O = P·v</c> block by block.
    /// </summary>
    private void ForwardItem(int b, int kvh, Tensor<T> query, Tensor<T> key, Tensor<T> value)
    {
        int d = HeadDim, s = _sequence;
        var positions = _positions.AsSpan(b * s, s);
        var keys = _keys.Span;
        int kvOffset = b * _kvBatchStride + kvh * _kvHeadStride;
        if (_prefix is { } prefix)
        {
            for (int t = 0; t < _past; t++)
            {
                prefix.Key(t).Slice(kvh * d, d).CopyTo(keys.Slice(kvOffset + t * _kvRowStride, d));
                prefix.Value(t).Slice(kvh * d, d).CopyTo(_values.Span.Slice(kvOffset + t * _kvRowStride, d));
            }
        }

        bool copyValues = _cached || _prefix is not null;
        for (int t = 0; t < s; t++)
        {
            int source = (b * s + t) * KeyWidth + kvh * d;
            int target = kvOffset + (_past + t) * _kvRowStride;
            RotaryKernel.Rotate<T>(key.Span.Slice(source, d), keys.Slice(target, d), Rope.Cos<T>(positions[t]), Rope.Sin<T>(positions[t]), false, false);
            if (copyValues)
            {
                value.Span.Slice(source, d).CopyTo(_values.Span.Slice(target, d));
            }
        }

        var q = _queryRotated.Span;
        var probabilities = _probabilities.Span;
        for (int h = kvh * Group; h < (kvh + 1) * Group; h++)
        {
            for (int t = 0; t < s; t++)
            {
                int offset = (b * s + t) * QueryWidth + h * d;
                RotaryKernel.Rotate<T>(query.Span.Slice(offset, d), q.Slice(offset, d), Rope.Cos<T>(positions[t]), Rope.Sin<T>(positions[t]), false, false);
            }

            int pHead = (b * Heads + h) * s * _total;
            for (int r0 = 0; r0 < s; r0 += BlockRows)
            {
                int rows = Math.Min(BlockRows, s - r0), keyCount = _past + r0 + rows;
                int qOffset = (b * s + r0) * QueryWidth + h * d;
                var p = probabilities[(pHead + r0 * _total)..];

                // P[rows × keys] = (q·kᵀ)/√D
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, rows, keyCount, d,
                    _scale, q[qOffset..], QueryWidth, keys[kvOffset..], _kvRowStride, T.Zero, p, _total);
                for (int r = 0; r < rows; r++)
                {
                    Softmax(p.Slice(r * _total, keyCount), b, _past + r0 + r + 1);
                }

                // O[rows × D] = P·v
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, d, keyCount,
                    T.One, p, _total, _values.Span[kvOffset..], _kvRowStride, T.Zero, _output.Span[qOffset..], QueryWidth);
            }
        }
    }

    /// <summary>
    /// Softmax of one row over its first <paramref name="visible"/> keys (the causal limit), padding keys
    /// excluded; later keys get 0. A row with no visible real key becomes all zeros.
    /// </summary>
    private void Softmax(Span<T> row, int b, int visible)
    {
        var scores = row[..visible];
        row[visible..].Clear();
        if (_padded[b])
        {
            TensorPrimitives.Add(scores, _keyBias.Span.Slice(b * _total, visible), scores);
        }

        T max = TensorPrimitives.Max<T>(scores);
        if (T.IsNegativeInfinity(max))
        {
            scores.Clear();
            return;
        }

        // p = e^{x − max} / Σ e^{x − max}
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp<T>(scores, scores);
        TensorPrimitives.Multiply(scores, T.One / TensorPrimitives.Sum<T>(scores), scores);
    }

    private readonly struct ForwardRegion(CausalSelfAttention<T> layer, Tensor<T> query, Tensor<T> key, Tensor<T> value) : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> spans)
        {
            for (int item = start; item < end; item++)
            {
                layer.ForwardItem(item / layer.KeyValueHeads, item % layer.KeyValueHeads, query, key, value);
            }
        }
    }
}
