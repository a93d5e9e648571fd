using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// The mean squared error <c>L = (1/N)·Σ (pᵢ − tᵢ)²</c> over all N elements (PyTorch's
/// <c>MSELoss</c>, mean reduction) and its gradient <c>∂L/∂pᵢ = 2·(pᵢ − tᵢ)/N</c>.
/// </summary>
public static class MeanSquaredError
{
    /// <summary>Returns the loss and, unless <paramref name="gradient"/> is empty, overwrites it with <c>∂L/∂prediction</c>.</summary>
    /// <param name="prediction">The predictions.</param>
    /// <param name="target">The targets, same length.</param>
    /// <param name="gradient">Empty, or the destination for the gradient (same length; may be <paramref name="prediction"/>'s memory).</param>
    /// <exception cref="ArgumentException">
    /// The lengths differ or are zero, or the loss is not finite (the message names the first NaN or infinite
    /// element; <paramref name="gradient"/>'s contents are then unspecified).
    /// </exception>
    public static double Compute<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Compute(prediction, target, gradient, 0);

    // columns > 0: the row width, used to name a bad element by row and column.
    private static double Compute<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradient, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (prediction.Length != target.Length || prediction.IsEmpty)
        {
            throw new ArgumentException(
                $"MeanSquaredError: prediction has {prediction.Length} elements and target {target.Length}; they must be equal and non-zero.",
                nameof(target));
        }

        if (!gradient.IsEmpty && gradient.Length != prediction.Length)
        {
            throw new ArgumentException(
                $"MeanSquaredError: gradient has {gradient.Length} elements, expected {prediction.Length} (or none).", nameof(gradient));
        }

        int n = prediction.Length;
        double sumOfSquares;
        if (gradient.IsEmpty)
        {
            // ‖p − t‖² without a scratch buffer.
            double distance = double.CreateTruncating(TensorPrimitives.Distance(prediction, target));
            sumOfSquares = distance * distance;
        }
        else
        {
            // g = p − t; Σg²; then g ← g · 2/N.
            TensorPrimitives.Subtract(prediction, target, gradient);
            sumOfSquares = double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(gradient));
            TensorPrimitives.Multiply(gradient, T.CreateTruncating(2.0 / n), gradient);
        }

        double loss = sumOfSquares / n;
        LossGuard.ThrowIfNotFinite(loss, nameof(MeanSquaredError), prediction, "prediction", target, "target", columns);
        return loss;
    }

    /// <summary>
    /// As <see cref="Compute{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> on dense <c>[batch, features]</c>
    /// tensors of equal shape; pass <see cref="TensorSpan{T}.Empty"/> to skip the gradient.
    /// </summary>
    /// <exception cref="ArgumentException">A shape is not <c>[batch, features]</c> or the shapes differ; the message names them.</exception>
    public static double Compute<T>(ReadOnlyTensorSpan<T> prediction, ReadOnlyTensorSpan<T> target, TensorSpan<T> gradient)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const string owner = nameof(MeanSquaredError);
        var p = TensorShape.Matrix(prediction, -1, -1, owner, nameof(prediction), out int batch);
        int features = checked((int)prediction.Lengths[1]);
        var t = TensorShape.Matrix(target, batch, features, owner, nameof(target), out _);
        var g = gradient.IsEmpty && gradient.Rank == 0 ? Span<T>.Empty : TensorShape.Matrix(gradient, batch, features, owner, nameof(gradient));
        return Compute(p, t, g, features);
    }
}
