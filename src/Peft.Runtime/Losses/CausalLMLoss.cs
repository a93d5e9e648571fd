using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// The next-token loss of a causal language model (transformers' <c>ForCausalLMLoss</c>): the mean
/// cross-entropy of <c>logits[:, :-1]</c> against <c>labels[:, 1:]</c>, skipping label
/// <see cref="IgnoreIndex"/> (−100). Per counted position <c>ℓ = logsumexp(z) − z_label</c>;
/// <c>L = Σℓ / N</c> with <c>N</c> the number of counted positions, and
/// <c>∂L/∂z = (softmax(z) − onehot(label)) / N</c> there, 0 elsewhere.
/// </summary>
/// <remarks>
/// A batch in which every label is ignored (<c>N = 0</c>) has loss 0 and a zero gradient: it has
/// nothing to predict, so it contributes nothing. (PyTorch's mean cross-entropy returns NaN for 0/0;
/// a NaN would poison the optimizer, and an error would stop training on a batch of padding.)
/// Rows are split over the worker pool.
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class CausalLMLoss<T> : IParallelRows
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The label that marks a position without a target (padding, prompt tokens).</summary>
    public const int IgnoreIndex = -100;

    private const int ForwardPass = 0, BackwardPass = 1;

    private readonly Tensor<T> _gradient = new(0);
    private double[] _logSumExp = [];
    private double[] _rowLoss = [];
    private Tensor<T>? _logits;
    private Tensor<int>? _labels;
    private int _counted;

    /// <summary>The number of positions the latest <see cref="Forward"/> counted (labels other than −100 after the shift).</summary>
    public int CountedPositions => _counted;

    /// <summary>
    /// Returns the mean next-token cross-entropy of <paramref name="logits"/> <c>[B, S, V]</c> against
    /// <paramref name="labels"/> <c>[B, S]</c>; both are remembered for <see cref="Backward"/>. The
    /// log-sum-exp of each row is computed in <typeparamref name="T"/> (float32 at least) and summed in double.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit, a label is neither −100 nor in <c>[0, V)</c>
    /// (the message names its batch row and position), or a counted row of logits holds NaN or ±∞
    /// (the message names the batch row, position and vocabulary index).</exception>
    public double Forward(Tensor<T> logits, Tensor<int> labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.Rank != 3 || labels.Rank != 2 || labels.Size(0) != logits.Size(0) || labels.Size(1) != logits.Size(1) || logits.Width == 0)
        {
            throw new ArgumentException(
                $"CausalLMLoss: logits are {logits.ShapeText()} and labels {labels.ShapeText()}; expected logits [B, S, V] (V > 0) and labels [B, S].", nameof(labels));
        }

        int batch = logits.Size(0), sequence = logits.Size(1), vocabulary = logits.Width;
        var y = labels.Span;
        for (int i = 0; i < y.Length; i++)
        {
            if (y[i] != IgnoreIndex && (uint)y[i] >= (uint)vocabulary)
            {
                throw new ArgumentException(
                    $"CausalLMLoss: label {y[i]} at [batch {i / sequence}, position {i % sequence}] is neither {IgnoreIndex} nor in [0, {vocabulary}).", nameof(labels));
            }
        }

        if (_logSumExp.Length < batch * sequence)
        {
            _logSumExp = new double[batch * sequence];
            _rowLoss = new double[batch * sequence];
        }

        _logits = logits;
        _labels = labels;
        ParallelRows.Run<T>(this, ForwardPass, batch * sequence, vocabulary);
        double total = 0.0;
        int counted = 0;
        for (int row = 0; row < batch * sequence; row++)
        {
            if (!Counted(row, sequence, y))
            {
                continue;
            }

            if (!double.IsFinite(_logSumExp[row]))
            {
                _logits = null;
                throw NotFinite(logits.Span.Slice(row * vocabulary, vocabulary), row / sequence, row % sequence, _logSumExp[row]);
            }

            total += _rowLoss[row];
            counted++;
        }

        _counted = counted;
        return counted == 0 ? 0.0 : total / counted;
    }

    /// <summary>
    /// Returns <c>dL/dlogits</c> <c>[B, S, V]</c> of the latest <see cref="Forward"/> in a tensor this loss
    /// owns (overwritten by the next call): <c>(softmax(z) − onehot(label))/N</c> at counted positions, 0 elsewhere.
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass preceded it.</exception>
    public Tensor<T> Backward()
    {
        if (_logits is null || _labels is null)
        {
            throw new InvalidOperationException("CausalLMLoss: Backward needs a preceding Forward.");
        }

        _gradient.Reshape(_logits.Shape);
        if (_counted == 0)
        {
            _gradient.Clear();
            return _gradient;
        }

        ParallelRows.Run<T>(this, BackwardPass, _labels.Length, _logits.Width);
        return _gradient;
    }

    void IParallelRows.RunRows(int pass, int participant, int start, int end)
    {
        int sequence = _logits!.Size(1), vocabulary = _logits.Width;
        var z = _logits.Span;
        var y = _labels!.Span;
        for (int row = start; row < end; row++)
        {
            var zr = z.Slice(row * vocabulary, vocabulary);
            bool counted = Counted(row, sequence, y);
            if (pass == ForwardPass)
            {
                if (counted)
                {
                    // ℓ = logsumexp(z) − z_label with logsumexp(z) = max + log Σ e^{z − max}
                    T max = TensorPrimitives.Max(zr);
                    double lse = double.CreateTruncating(max) + Math.Log(double.CreateTruncating(SumExp(zr, max)));
                    _logSumExp[row] = lse;
                    _rowLoss[row] = lse - double.CreateTruncating(zr[y[row + 1]]);
                }

                continue;
            }

            var gr = _gradient.Span.Slice(row * vocabulary, vocabulary);
            if (!counted)
            {
                gr.Clear();
                continue;
            }

            // g = e^{z − lse}/N, then g[label] −= 1/N.
            T inverseCount = T.One / T.CreateTruncating(_counted);
            TensorPrimitives.Subtract(zr, T.CreateTruncating(_logSumExp[row]), gr);
            TensorPrimitives.Exp(gr, gr);
            TensorPrimitives.Multiply(gr, inverseCount, gr);
            gr[y[row + 1]] -= inverseCount;
        }
    }

    // Position s predicts label s + 1: the last position of a row and ignored labels are not counted.
    private static bool Counted(int row, int sequence, ReadOnlySpan<int> labels) =>
        row % sequence != sequence - 1 && labels[row + 1] != IgnoreIndex;

    // Σ e^{z − max}, vectorised without a scratch buffer by chunks on the stack.
    private static T SumExp(ReadOnlySpan<T> z, T max)
    {
        const int Chunk = 256;
        Span<T> buffer = stackalloc T[Chunk];
        T sum = T.Zero;
        for (int start = 0; start < z.Length; start += Chunk)
        {
            int length = Math.Min(Chunk, z.Length - start);
            var part = buffer[..length];
            TensorPrimitives.Subtract(z.Slice(start, length), max, part);
            TensorPrimitives.Exp(part, part);
            sum += TensorPrimitives.Sum<T>(part);
        }

        return sum;
    }

    private static ArgumentException NotFinite(ReadOnlySpan<T> row, int batch, int position, double lse)
    {
        for (int v = 0; v < row.Length; v++)
        {
            if (!T.IsFinite(row[v]))
            {
                return new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"CausalLMLoss: logits[batch {batch}, position {position}, vocabulary {v}] is {row[v]}."), "logits");
            }
        }

        return new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"CausalLMLoss: every logit of [batch {batch}, position {position}] is finite but their log-sum-exp is {lse} (overflow)."), "logits");
    }
}
