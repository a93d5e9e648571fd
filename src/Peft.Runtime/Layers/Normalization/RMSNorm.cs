using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// Root-mean-square normalization over the innermost dimension, as transformers' <c>LlamaRMSNorm</c>:
/// <c>y = w ⊙ x · r</c> with <c>r = 1/√(mean(x²) + ε)</c> per row. The statistics are computed in
/// <typeparamref name="T"/> (float32 for <see cref="float"/>, as transformers upcasts half precision to
/// float32; double for <see cref="double"/>).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class RMSNorm<T> : Layer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _inverseRms = new(0);
    private readonly T[] _scaled;
    private readonly T[] _normalized;
    private readonly T _epsilon;

    /// <summary>Creates a norm over rows of <paramref name="dim"/> features with weight <c>"weight"</c> [dim] initialised to 1.</summary>
    /// <param name="dim">The row width; positive.</param>
    /// <param name="eps">ε added to the mean square (transformers' <c>rms_norm_eps</c>); non-negative and finite.</param>
    /// <exception cref="ArgumentException">A size or ε is out of range.</exception>
    public RMSNorm(int dim, double eps)
    {
        if (dim <= 0 || !(eps >= 0) || double.IsInfinity(eps))
        {
            throw new ArgumentException($"RMSNorm needs a positive dim and a finite ε ≥ 0, got dim={dim}, eps={eps}.");
        }

        Dim = dim;
        Epsilon = eps;
        _epsilon = T.CreateChecked(eps);
        Weight = RegisterParameter(new Parameter<T>("weight", [dim], ParameterRole.NormWeight));
        Weight.Value.AsSpan().Fill(T.One);
        _scaled = new T[dim];
        _normalized = new T[dim];
    }

    /// <summary>The normalized width.</summary>
    public int Dim { get; }

    /// <summary>ε added to the mean square.</summary>
    public double Epsilon { get; }

    /// <summary>The scale <c>w</c>, <c>[dim]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <inheritdoc />
    protected override string Describe() => $"RMSNorm [{Dim}]";

    /// <summary>Per row: <c>r = 1/√(Σx²/n + ε)</c>, <c>y = (x·r) ⊙ w</c>; <c>r</c> is kept for the backward pass.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        NormShapes.CheckWidth(input, Dim, "RMSNorm");
        _output.Reshape(input.Shape);
        _inverseRms.Reshape(input.Rows);
        var x = input.Span;
        var y = _output.Span;
        var inverseRms = _inverseRms.Span;
        T n = T.CreateTruncating(Dim);
        for (int row = 0; row < inverseRms.Length; row++)
        {
            var xr = x.Slice(row * Dim, Dim);
            var yr = y.Slice(row * Dim, Dim);
            T r = T.One / T.Sqrt(TensorPrimitives.SumOfSquares<T>(xr) / n + _epsilon);
            inverseRms[row] = r;
            TensorPrimitives.Multiply(xr, r, yr);
            TensorPrimitives.Multiply(yr, Weight.Value, yr);
        }

        return _output;
    }

    /// <summary>
    /// With <c>x̂ = x·r</c> and <c>g = dY ⊙ w</c>: <c>dw += Σ_rows dY ⊙ x̂</c> and
    /// <c>dX += r·(g − x̂·(g·x̂)/n)</c> (the derivative of <c>r</c> is <c>−r³·x/n</c>).
    /// </summary>
    protected override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        var x = input.Span;
        var dy = outputGradient.Span;
        var inverseRms = _inverseRms.Span;
        T n = T.CreateTruncating(Dim);
        var g = _scaled.AsSpan();
        var xhat = _normalized.AsSpan();
        for (int row = 0; row < inverseRms.Length; row++)
        {
            var xr = x.Slice(row * Dim, Dim);
            var dyr = dy.Slice(row * Dim, Dim);
            T r = inverseRms[row];
            TensorPrimitives.Multiply(xr, r, xhat);
            if (Weight.Trainable)
            {
                TensorPrimitives.FusedMultiplyAdd(dyr, xhat, Weight.Gradient, Weight.Gradient);
            }

            if (inputGradient is not null)
            {
                var dxr = inputGradient.Span.Slice(row * Dim, Dim);
                TensorPrimitives.Multiply(dyr, Weight.Value, g);
                T c = TensorPrimitives.Dot<T>(g, xhat) / n;
                TensorPrimitives.FusedMultiplyAdd(xhat, -c, g, g); // g − c·x̂
                TensorPrimitives.FusedMultiplyAdd(g, r, dxr, dxr);
            }
        }
    }
}
