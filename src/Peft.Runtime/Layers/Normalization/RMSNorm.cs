using System.Numerics;
using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// Root-mean-square normalization over the innermost dimension, as transformers' <c>LlamaRMSNorm</c>:
/// <c>y = w ⊙ x · r</c> with <c>r = 1/√(mean(x²) + ε)</c> per row. The statistics are computed in
/// <typeparamref name="T"/> (float32 for <see cref="float"/>, as transformers upcasts half precision to
/// float32; double for <see cref="double"/>). Rows are split over the worker pool when there are many.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class RMSNorm<T> : Layer<T>, IParallelRows
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int ForwardPass = 0, InputGradientPass = 1;

    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _inverseRms = new(0);
    private readonly T[] _scratch;
    private readonly T _epsilon;
    private Tensor<T>? _input, _outputGradient, _inputGradient;

    /// <summary>Creates a norm over rows of <paramref name="dim"/> features with weight <c>"weight"</c> [dim] initialised to 1.</summary>
    /// <param name="dim">The row width; positive.</param>
    /// <param name="eps">ε added to the mean square (transformers' <c>rms_norm_eps</c>); non-negative and finite.</param>
    /// <exception cref="ArgumentException">A size or ε is out of range.</exception>
    public RMSNorm(int dim, double eps)
    {
        Weight = RegisterParameter(NormShapes.CreateWeight<T>("RMSNorm", dim, eps));
        Dim = dim;
        Epsilon = eps;
        _epsilon = T.CreateChecked(eps);
        _scratch = new T[2 * dim * KernelParallel.MaxParticipants]; // g and x̂ per participant
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
        _input = input;
        ParallelRows.Run<T>(this, ForwardPass, input.Rows, Dim);
        return _output;
    }

    /// <summary>
    /// With <c>x̂ = x·r</c> and <c>g = dY ⊙ w</c>: <c>dw += Σ_rows dY ⊙ x̂</c> and
    /// <c>dX += r·(g − x̂·(g·x̂)/n)</c> (the derivative of <c>r</c> is <c>−r³·x/n</c>).
    /// </summary>
    protected override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        (_input, _outputGradient, _inputGradient) = (input, outputGradient, inputGradient);
        if (inputGradient is not null)
        {
            ParallelRows.Run<T>(this, InputGradientPass, input.Rows, Dim);
        }

        if (Weight.Trainable)
        {
            // A reduction over rows: one thread, dw += dY ⊙ x̂.
            var xhat = _scratch.AsSpan(0, Dim);
            for (int row = 0; row < input.Rows; row++)
            {
                TensorPrimitives.Multiply(input.Span.Slice(row * Dim, Dim), _inverseRms.Span[row], xhat);
                TensorPrimitives.FusedMultiplyAdd(outputGradient.Span.Slice(row * Dim, Dim), xhat, Weight.Gradient, Weight.Gradient);
            }
        }

        _outputGradient = _inputGradient = null;
    }

    void IParallelRows.RunRows(int pass, int participant, int start, int end)
    {
        var x = _input!.Span;
        var inverseRms = _inverseRms.Span;
        T n = T.CreateTruncating(Dim);
        if (pass == ForwardPass)
        {
            var y = _output.Span;
            for (int row = start; row < end; row++)
            {
                var xr = x.Slice(row * Dim, Dim);
                var yr = y.Slice(row * Dim, Dim);
                T r = T.One / T.Sqrt(TensorPrimitives.SumOfSquares<T>(xr) / n + _epsilon);
                inverseRms[row] = r;
                TensorPrimitives.Multiply(xr, r, yr);
                TensorPrimitives.Multiply(yr, Weight.Value, yr);
            }

            return;
        }

        var g = _scratch.AsSpan(2 * participant * Dim, Dim);
        var xhat = _scratch.AsSpan((2 * participant + 1) * Dim, Dim);
        var dy = _outputGradient!.Span;
        var dx = _inputGradient!.Span;
        for (int row = start; row < end; row++)
        {
            T r = inverseRms[row];
            var dxr = dx.Slice(row * Dim, Dim);
            TensorPrimitives.Multiply(x.Slice(row * Dim, Dim), r, xhat);
            TensorPrimitives.Multiply(dy.Slice(row * Dim, Dim), Weight.Value, g);
            T c = TensorPrimitives.Dot<T>(g, xhat) / n;
            TensorPrimitives.FusedMultiplyAdd(xhat, -c, g, g); // g − c·x̂
            TensorPrimitives.FusedMultiplyAdd(g, r, dxr, dxr);
        }
    }
}
