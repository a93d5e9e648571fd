using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft;

// The backward pass of CausalSelfAttention<T>.
public sealed partial class CausalSelfAttention<T>
{
    private readonly Tensor<T> _queryGradientRotated = new(0);
    private readonly Tensor<T> _keyGradientRotated = new(0);
    private readonly Tensor<T> _scoreGradient = new(0);
    private readonly Tensor<T> _valueGradientJoined = new(0);

    /// <summary>
    /// Back-propagates <c>dL/dO</c> of the latest forward pass and <em>adds</em> the gradients with respect to
    /// the un-rotated query, key and value inputs (a <see langword="null"/> gradient is skipped). Per head, with
    /// <c>qr</c>, <c>kr</c> the rotated inputs: <c>dP = dO·vᵀ</c>, <c>dS = P ⊙ (dP − rowsum(dP ⊙ P))</c>,
    /// <c>dv += Pᵀ·dO</c>, <c>dqr = dS·kr/√D</c>, <c>dkr += dSᵀ·qr/√D</c>; then <c>dq += Rᵀ·dqr</c> and <c>dk += Rᵀ·dkr</c>
    /// with <c>R</c> the rotation of each position. The query heads of a group add into their shared key/value head.
    /// With a <see cref="Prefix"/> the key/value rows of the prefix positions get <c>dkr</c> and <c>dv</c> unrotated,
    /// summed over the batch, added to the prefix's gradient.
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass preceded it, it used a cache (generation), or
    /// the value input changed shape since.</exception>
    /// <exception cref="ArgumentException">A gradient is not shaped as its input or output.</exception>
    public void Backward(Tensor<T> outputGradient, Tensor<T>? queryGradient, Tensor<T>? keyGradient, Tensor<T>? valueGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_cached)
        {
            throw new InvalidOperationException($"{Describe()}: the latest forward pass used a key/value cache (generation); it has no backward pass.");
        }

        if (_value is null)
        {
            throw new InvalidOperationException($"{Describe()}: Backward needs a preceding Forward.");
        }

        if (!_value.HasShape(_valueShape))
        {
            throw new InvalidOperationException(
                $"{Describe()}: the value input changed shape from {Tensor<T>.ShapeText(_valueShape)} to {_value.ShapeText()} between Forward and Backward.");
        }

        CheckGradient(outputGradient, _output.Shape, "output gradient");
        CheckGradient(queryGradient, _output.Shape, "query gradient");
        CheckGradient(keyGradient, _valueShape, "key gradient");
        CheckGradient(valueGradient, _valueShape, "value gradient");
        bool prefixTrains = _prefix is { Trainable: true };
        if (queryGradient is null && keyGradient is null && valueGradient is null && !prefixTrains)
        {
            return; // no parameters: nothing to accumulate
        }

        _queryGradientRotated.Reshape(_output.Shape);
        _keyGradientRotated.Reshape(_batch, _total, KeyWidth);
        if (_prefix is not null)
        {
            _valueGradientJoined.Reshape(_batch, _total, KeyWidth);
        }

        int items = _batch * KeyValueHeads;
        int participants = KernelParallel.PlannedParticipants(items, 1, KernelParallel.MaxParticipants);
        _scoreGradient.Reshape(participants, BlockRows * _total);
        KernelParallel.Run(new BackwardRegion(this, outputGradient, queryGradient, keyGradient, valueGradient),
            default(KernelSpans<T>), items, 1, participants);
        if (prefixTrains)
        {
            AddPrefixGradient(_prefix!);
        }
    }

    /// <summary>The prefix rows of <c>dkr</c> and <c>dv</c>, summed over the batch, into the prefix's gradient (after the parallel items, which split the batch).</summary>
    private void AddPrefixGradient(AttentionPrefix<T> prefix)
    {
        var dk = _keyGradientRotated.Span;
        var dv = _valueGradientJoined.Span;
        for (int b = 0; b < _batch; b++)
        {
            for (int t = 0; t < _past; t++)
            {
                int row = (b * _total + t) * KeyWidth;
                TensorPrimitives.Add(prefix.KeyGradient(t), dk.Slice(row, KeyWidth), prefix.KeyGradient(t));
                TensorPrimitives.Add(prefix.ValueGradient(t), dv.Slice(row, KeyWidth), prefix.ValueGradient(t));
            }
        }
    }

    private void CheckGradient(Tensor<T>? gradient, ReadOnlySpan<int> shape, string name)
    {
        if (gradient is not null && !gradient.HasShape(shape))
        {
            throw new ArgumentException($"{Describe()}: {name} is {gradient.ShapeText()}, expected {Tensor<T>.ShapeText(shape)}.", name);
        }
    }

    private void BackwardItem(int participant, int b, int kvh, Tensor<T> dOut, Tensor<T>? dQuery, Tensor<T>? dKey, Tensor<T>? dValue)
    {
        int d = HeadDim, s = _sequence;
        var positions = _positions.AsSpan(b * s, s);
        var keys = _keys.Span;
        var values = _values.Span;
        var q = _queryRotated.Span;
        var dq = _queryGradientRotated.Span;
        var dk = _keyGradientRotated.Span;
        var dy = dOut.Span;
        var probabilities = _probabilities.Span;
        var dScores = _scoreGradient.Span.Slice(participant * BlockRows * _total, BlockRows * _total);
        int kvOffset = b * _kvBatchStride + kvh * _kvHeadStride;
        bool prefixTrains = _prefix is { Trainable: true };
        bool keyGradients = dKey is not null || prefixTrains;

        // With a prefix, dv goes to [B, prefix + S, ·] first (its prefix rows are the prefix's), else straight into dValue.
        var dvTarget = _prefix is not null ? _valueGradientJoined.Span : dValue is not null ? dValue.Span : default;
        bool computeValues = _prefix is null ? dValue is not null : dValue is not null || prefixTrains;
        for (int t = 0; t < _total; t++)
        {
            if (keyGradients)
            {
                dk.Slice(kvOffset + t * KeyWidth, d).Clear();
            }

            if (computeValues && _prefix is not null)
            {
                dvTarget.Slice(kvOffset + t * KeyWidth, d).Clear();
            }
        }

        for (int h = kvh * Group; h < (kvh + 1) * Group; h++)
        {
            int pHead = (b * Heads + h) * s * _total;
            for (int r0 = 0; r0 < s; r0 += BlockRows)
            {
                int rows = Math.Min(BlockRows, s - r0), keyCount = _past + r0 + rows;
                int qOffset = (b * s + r0) * QueryWidth + h * d;
                var p = probabilities[(pHead + r0 * _total)..];

                // dP[rows × keys] = dO·vᵀ
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, rows, keyCount, d,
                    T.One, dy[qOffset..], QueryWidth, values[kvOffset..], _kvRowStride, T.Zero, dScores, keyCount);
                if (computeValues)
                {
                    // dv[keys × D] += Pᵀ·dO
                    Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, keyCount, d, rows,
                        T.One, p, _total, dy[qOffset..], QueryWidth, T.One, dvTarget[kvOffset..], KeyWidth);
                }

                // dS = P ⊙ (dP − Σ_j dP·P) per row
                for (int r = 0; r < rows; r++)
                {
                    var pr = p.Slice(r * _total, keyCount);
                    var ds = dScores.Slice(r * keyCount, keyCount);
                    TensorPrimitives.Subtract(ds, TensorPrimitives.Dot<T>(ds, pr), ds);
                    TensorPrimitives.Multiply(ds, pr, ds);
                }

                if (dQuery is not null)
                {
                    // dqr[rows × D] = dS·kr/√D
                    Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, d, keyCount,
                        _scale, dScores, keyCount, keys[kvOffset..], _kvRowStride, T.Zero, dq[qOffset..], QueryWidth);
                }

                if (keyGradients)
                {
                    // dkr[keys × D] += dSᵀ·qr/√D
                    Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, keyCount, d, rows,
                        _scale, dScores, keyCount, q[qOffset..], QueryWidth, T.One, dk[kvOffset..], KeyWidth);
                }
            }

            if (dQuery is not null)
            {
                for (int t = 0; t < s; t++)
                {
                    int offset = (b * s + t) * QueryWidth + h * d;
                    RotaryKernel.Rotate<T>(dq.Slice(offset, d), dQuery.Span.Slice(offset, d), Rope.Cos<T>(positions[t]), Rope.Sin<T>(positions[t]), true, true);
                }
            }
        }

        for (int t = 0; t < s; t++)
        {
            int joined = kvOffset + (_past + t) * KeyWidth, token = (b * s + t) * KeyWidth + kvh * d;
            if (dKey is not null)
            {
                RotaryKernel.Rotate<T>(dk.Slice(joined, d), dKey.Span.Slice(token, d), Rope.Cos<T>(positions[t]), Rope.Sin<T>(positions[t]), true, true);
            }

            if (dValue is not null && _prefix is not null)
            {
                var target = dValue.Span.Slice(token, d);
                TensorPrimitives.Add(target, dvTarget.Slice(joined, d), target);
            }
        }
    }

    private readonly struct BackwardRegion(CausalSelfAttention<T> layer, Tensor<T> dOut, Tensor<T>? dQuery, Tensor<T>? dKey, Tensor<T>? dValue)
        : IKernelRegion<T>
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> spans)
        {
            for (int item = start; item < end; item++)
            {
                layer.BackwardItem(participant, item / layer.KeyValueHeads, item % layer.KeyValueHeads, dOut, dQuery, dKey, dValue);
            }
        }
    }
}
