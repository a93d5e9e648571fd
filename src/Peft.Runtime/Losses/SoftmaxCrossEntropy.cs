using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// Softmax cross-entropy over integer class targets with mean reduction (PyTorch's
/// <c>cross_entropy(logits, targets)</c>): per row <c>ℓ = logsumexp(z) − z_target</c> with
/// <c>logsumexp(z) = m + log Σⱼ e^{zⱼ − m}</c>, <c>m = maxⱼ zⱼ</c> (no overflow);
/// <c>L = (1/B)·Σ ℓ</c> and <c>∂L/∂zⱼ = (softmax(z)ⱼ − [j = target])/B</c>.
/// No <c>ignore_index</c>, class weights or label smoothing.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// Returns the mean loss of <c>B = targets.Length</c> rows of <c>logits.Length / B</c> classes and,
    /// unless <paramref name="gradient"/> is empty, overwrites it with <c>∂L/∂logits</c>.
    /// </summary>
    /// <param name="logits">The scores, <c>[batch, classes]</c> row-major.</param>
    /// <param name="targets">One class index per row, each in <c>[0, classes)</c>.</param>
    /// <param name="gradient">Empty, or the destination for the gradient (same length as <paramref name="logits"/>; may be its memory).</param>
    /// <exception cref="ArgumentException">
    /// The lengths do not fit, a target is out of range, or the loss is not finite (the message names the first NaN
    /// or infinite logit; <paramref name="gradient"/>'s contents are then unspecified).
    /// </exception>
    public static double Compute<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, Span<T> gradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int batch = targets.Length;
        if (batch == 0 || logits.Length == 0 || logits.Length % batch != 0)
        {
            throw new ArgumentException(
                $"SoftmaxCrossEntropy: logits have {logits.Length} elements, which is not a positive multiple of the {batch} targets.",
                nameof(logits));
        }

        int classes = logits.Length / batch;
        if (!gradient.IsEmpty && gradient.Length != logits.Length)
        {
            throw new ArgumentException(
                $"SoftmaxCrossEntropy: gradient has {gradient.Length} elements, expected batch {batch} × classes {classes} = {logits.Length} (or none).",
                nameof(gradient));
        }

        for (int row = 0; row < batch; row++)
        {
            if ((uint)targets[row] >= (uint)classes)
            {
                throw new ArgumentException(
                    $"SoftmaxCrossEntropy: target of row {row} is {targets[row]}, outside [0, {classes}).", nameof(targets));
            }
        }

        T inverseBatch = T.One / T.CreateTruncating(batch);
        double total = 0.0;
        for (int row = 0; row < batch; row++)
        {
            var z = logits.Slice(row * classes, classes);
            T max = TensorPrimitives.Max(z);
            T zTarget = z[targets[row]]; // read before the gradient may overwrite the logits
            T sum;
            if (gradient.IsEmpty)
            {
                sum = T.Zero;
                foreach (T value in z)
                {
                    sum += T.Exp(value - max);
                }
            }
            else
            {
                // g = e^{z − m}; Σg; g ← softmax/B; g[target] −= 1/B.
                var g = gradient.Slice(row * classes, classes);
                TensorPrimitives.Subtract(z, max, g);
                TensorPrimitives.Exp(g, g);
                sum = TensorPrimitives.Sum<T>(g);
                TensorPrimitives.Multiply(g, inverseBatch / sum, g);
                g[targets[row]] -= inverseBatch;
            }

            // ℓ = (m − z_target) + log Σ e^{z − m}
            total += double.CreateTruncating(max - zTarget) + double.CreateTruncating(T.Log(sum));
        }

        double loss = total / batch;
        LossGuard.ThrowIfNotFinite(loss, nameof(SoftmaxCrossEntropy), logits, "logits", ReadOnlySpan<T>.Empty, "", classes);
        return loss;
    }

    /// <summary>
    /// As <see cref="Compute{T}(ReadOnlySpan{T}, ReadOnlySpan{int}, Span{T})"/> on dense <c>[batch, classes]</c>
    /// tensors; pass <see cref="TensorSpan{T}.Empty"/> to skip the gradient.
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not fit; the message names it.</exception>
    public static double Compute<T>(ReadOnlyTensorSpan<T> logits, ReadOnlySpan<int> targets, TensorSpan<T> gradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const string owner = nameof(SoftmaxCrossEntropy);
        var z = TensorShape.Matrix(logits, targets.Length, -1, owner, nameof(logits), out int batch);
        int classes = checked((int)logits.Lengths[1]);
        var g = gradient.IsEmpty && gradient.Rank == 0 ? Span<T>.Empty : TensorShape.Matrix(gradient, batch, classes, owner, nameof(gradient));
        return Compute(z, targets, g);
    }
}
