using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// Layer normalization over the innermost dimension (PyTorch's <c>nn.LayerNorm</c>):
/// <c>y = (x − μ)·r ⊙ w + b</c> with <c>μ = mean(x)</c>, <c>r = 1/√(var(x) + ε)</c> (biased variance).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class LayerNorm<T> : Layer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _inverseStd = new(0);
    private readonly Tensor<T> _normalizedInput = new(0);
    private readonly T[] _scaled;
    private readonly T _epsilon;

    /// <summary>Creates a norm over rows of <paramref name="dim"/> features: <c>"weight"</c> [dim] = 1 and, when <paramref name="bias"/>, <c>"bias"</c> [dim] = 0.</summary>
    /// <param name="dim">The row width; positive.</param>
    /// <param name="eps">ε added to the variance; non-negative and finite.</param>
    /// <param name="bias">Whether the layer has a shift <c>b</c>.</param>
    /// <exception cref="ArgumentException">A size or ε is out of range.</exception>
    public LayerNorm(int dim, double eps = 1e-5, bool bias = true)
    {
        Weight = RegisterParameter(NormShapes.CreateWeight<T>("LayerNorm", dim, eps));
        Dim = dim;
        Epsilon = eps;
        _epsilon = T.CreateChecked(eps);
        Bias = bias ? RegisterParameter(new Parameter<T>("bias", [dim], ParameterRole.Bias)) : null;
        _scaled = new T[dim];
    }

    /// <summary>The normalized width.</summary>
    public int Dim { get; }

    /// <summary>ε added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>The scale <c>w</c>, <c>[dim]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <summary>The shift <c>b</c>, <c>[dim]</c>, or <see langword="null"/>.</summary>
    public Parameter<T>? Bias { get; }

    /// <inheritdoc />
    protected override string Describe() => $"LayerNorm [{Dim}]";

    /// <summary>Per row: <c>x̂ = (x − μ)·r</c> (kept for backward), <c>y = x̂ ⊙ w + b</c>.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        NormShapes.CheckWidth(input, Dim, "LayerNorm");
        _output.Reshape(input.Shape);
        _normalizedInput.Reshape(input.Shape);
        _inverseStd.Reshape(input.Rows);
        var x = input.Span;
        var inverseStd = _inverseStd.Span;
        T n = T.CreateTruncating(Dim);
        for (int row = 0; row < inverseStd.Length; row++)
        {
            var xhat = _normalizedInput.Span.Slice(row * Dim, Dim);
            var y = _output.Span.Slice(row * Dim, Dim);
            T mean = TensorPrimitives.Sum(x.Slice(row * Dim, Dim)) / n;
            TensorPrimitives.Subtract(x.Slice(row * Dim, Dim), mean, xhat);
            T r = T.One / T.Sqrt(TensorPrimitives.SumOfSquares<T>(xhat) / n + _epsilon);
            inverseStd[row] = r;
            TensorPrimitives.Multiply(xhat, r, xhat);
            if (Bias is null)
            {
                TensorPrimitives.Multiply(xhat, Weight.Value, y);
            }
            else
            {
                TensorPrimitives.FusedMultiplyAdd(xhat, Weight.Value, Bias.Value, y);
            }
        }

        return _output;
    }

    /// <summary>
    /// With <c>g = dY ⊙ w</c>: <c>dw += Σ dY ⊙ x̂</c>, <c>db += Σ dY</c>,
    /// <c>dX += r·(g − mean(g) − x̂·mean(g ⊙ x̂))</c>.
    /// </summary>
    protected override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        var dy = outputGradient.Span;
        var inverseStd = _inverseStd.Span;
        T n = T.CreateTruncating(Dim);
        var g = _scaled.AsSpan();
        for (int row = 0; row < inverseStd.Length; row++)
        {
            var xhat = _normalizedInput.Span.Slice(row * Dim, Dim);
            var dyr = dy.Slice(row * Dim, Dim);
            if (Weight.Trainable)
            {
                TensorPrimitives.FusedMultiplyAdd(dyr, xhat, Weight.Gradient, Weight.Gradient);
            }

            if (Bias is { Trainable: true })
            {
                TensorPrimitives.Add(Bias.Gradient, dyr, Bias.Gradient);
            }

            if (inputGradient is not null)
            {
                var dxr = inputGradient.Span.Slice(row * Dim, Dim);
                TensorPrimitives.Multiply(dyr, Weight.Value, g);
                T meanG = TensorPrimitives.Sum<T>(g) / n;
                T meanGx = TensorPrimitives.Dot<T>(g, xhat) / n;
                TensorPrimitives.FusedMultiplyAdd(xhat, -meanGx, g, g); // g − x̂·mean(g ⊙ x̂)
                TensorPrimitives.Subtract(g, meanG, g);
                TensorPrimitives.FusedMultiplyAdd(g, inverseStd[row], dxr, dxr);
            }
        }
    }
}
