using System.Numerics;
using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// DoRA (Liu et al. 2024, arXiv 2402.09353) on a <see cref="Linear{T}"/>, as Hugging Face PEFT 0.21 computes it
/// (<c>LoraConfig(use_dora=True)</c>): LoRA's direction <c>W0 + s·B·A</c> rescaled per output row by a trained
/// magnitude <c>m ∈ R^{out}</c> (<c>lora_magnitude_vector</c>),
/// <code>
///   n = ‖W0 + s·B·A‖_row   (the L2 norm of each row of the [out, in] weight, treated as a constant: DoRA §4.3)
///   f = m / n
///   y = b + W0·x + (f − 1) ⊙ (W0·x̃) + f ⊙ (s·B·A·x̃),   x̃ = dropout(x)
/// </code>
/// which without dropout is <c>y = b + f ⊙ (W0·x + s·B·A·x)</c>. m starts at the row norms of W0 (B = 0), so a new
/// adapter leaves the layer unchanged. Gradients, n held constant (PEFT's <c>weight_norm.detach()</c>):
/// <c>dm = Σ_batch dY ⊙ (W0·x̃ + s·B·A·x̃) / n</c>; LoRA's gradients with <c>dY</c> replaced by <c>f ⊙ dY</c>;
/// the base product gets <c>f ⊙ dY</c> without dropout, and <c>dY</c> plus <c>(f − 1) ⊙ dY</c> through <c>x̃</c> with it;
/// the bias gets <c>dY</c>. Merge: <c>W = f ⊙ (W0 + s·B·A)</c> with n of the unmerged weight, kept for unmerge
/// (<c>W0 = W / f − s·B·A</c>). The low-rank products run through the LoRA kernel (runtime or generated).
/// Attach with <see cref="LinearAdapterExtensions.AttachDoRA{T}"/>.
/// </summary>
public sealed class DoRAAdapter<T> : LoRAAdapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Rows of <c>W0 + s·B·A</c> formed at a time for their norms (a small scratch instead of a copy of W).</summary>
    private const int NormRowBlock = 32;

    private readonly Parameter<T>[] _parameters;
    private readonly T[] _norm;
    private readonly T[] _factor;
    private readonly T[] _magnitudeGradient;
    private T[] _rows = [];
    private T[] _combined = [];
    private T[] _baseOutput = [];
    private T[] _scaledGradient = [];
    private T[] _inputScratch = [];
    private T[] _mergedNorm = [];
    private bool _baseGradientScaled;
    private int _forwardBatch = -1;

    internal DoRAAdapter(Linear<T> layer, string name, DoRAOptions options, ILoRAKernel<T>? kernel)
        : base(layer, name, options, kernel, checkRankLimit: true)
    {
        int outF = layer.OutFeatures;
        CheckNotQuantized();
        Magnitude = RegisterParameter(new Parameter<T>("lora_magnitude_vector", [outF], ParameterRole.DoRAMagnitude));
        _parameters = [A, B, Magnitude];
        _norm = new T[outF];
        _factor = new T[outF];
        _magnitudeGradient = new T[outF];

        // m = ‖W0 + s·B·A‖_row with B = 0 (PEFT's DoraLinearLayer.update_layer): the adapter starts as the identity.
        ComputeNorms(layer.Weight.Value, _norm);
        _norm.CopyTo(Magnitude.Value, 0);
    }

    /// <summary>The magnitude <c>m[out]</c> (PEFT key <c>lora_magnitude_vector.weight</c>), trained.</summary>
    public Parameter<T> Magnitude { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <summary>
    /// When set, <see cref="Forward"/> keeps the norm n of the latest forward instead of recomputing it from the
    /// weights: the function whose gradient <see cref="Backward"/> computes (n a constant, DoRA §4.3), which
    /// finite-difference checks perturb.
    /// </summary>
    internal bool NormHeld { get; set; }

    /// <summary>
    /// Rescales the base output already in <paramref name="output"/> (<c>W0·x + b</c>, as <see cref="Linear{T}"/>
    /// computes it before calling its adapter) into DoRA's output; unlike additive methods, the base part is changed.
    /// </summary>
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        int inF = Layer.InFeatures;
        int outF = Layer.OutFeatures;
        int length = batch * outF;

        // f = m / n, n = ‖W0 + s·B·A‖_row from the current weights (a constant for the gradient).
        CheckNotQuantized();
        if (!NormHeld)
        {
            ComputeNorms(Layer.Weight.Value, _norm);
        }

        TensorPrimitives.Divide(Magnitude.Value, _norm, _factor);

        ReadOnlySpan<T> x = DropoutInput(input, batch);
        bool dropped = !LastDropoutMask.IsEmpty;
        Grow(ref _combined, length);
        Grow(ref _baseOutput, length);
        var combined = _combined.AsSpan(0, length);
        var baseOutput = _baseOutput.AsSpan(0, length);
        if (dropped)
        {
            // W0·x̃ (no bias): the base term DoRA rescales sees the dropped-out input (PEFT: F.linear(dropout(x), W0)).
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch, outF, inF,
                T.One, x, inF, Layer.Weight.Value, inF, T.Zero, baseOutput, outF);
        }
        else
        {
            // W0·x = y − b.
            output.CopyTo(baseOutput);
            if (Layer.Bias is not null)
            {
                for (int row = 0; row < batch; row++)
                {
                    var target = baseOutput.Slice(row * outF, outF);
                    TensorPrimitives.Subtract(target, Layer.Bias.Value, target);
                }
            }
        }

        // u = W0·x̃ + s·B·A·x̃ (kept for dm), then y += f ⊙ u − W0·x̃.
        baseOutput.CopyTo(combined);
        LowRankForward(x, combined, batch);
        for (int row = 0; row < batch; row++)
        {
            var y = output.Slice(row * outF, outF);
            TensorPrimitives.MultiplyAdd(combined.Slice(row * outF, outF), _factor, y, y);
            TensorPrimitives.Subtract(y, baseOutput.Slice(row * outF, outF), y);
        }

        _forwardBatch = batch;
        _baseGradientScaled = false;
    }

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int inF = Layer.InFeatures;
        int outF = Layer.OutFeatures;
        int length = batch * outF;
        if (_forwardBatch != batch)
        {
            throw new InvalidOperationException($"{Context}: Backward for batch {batch} without a matching Forward.");
        }

        // dm += Σ_batch dY ⊙ u / n.
        if (Magnitude.Trainable)
        {
            var sum = _magnitudeGradient.AsSpan();
            sum.Clear();
            for (int row = 0; row < batch; row++)
            {
                TensorPrimitives.MultiplyAdd(outputGradient.Slice(row * outF, outF), _combined.AsSpan(row * outF, outF), sum, sum);
            }

            TensorPrimitives.Divide(sum, _norm, sum);
            TensorPrimitives.Add(Magnitude.Gradient, sum, Magnitude.Gradient);
        }

        ReadOnlySpan<T> scaled = _baseGradientScaled ? _scaledGradient.AsSpan(0, length) : ScaleByFactor(outputGradient, batch);
        var mask = LastDropoutMask;
        if (!mask.IsEmpty)
        {
            // The layer's base product got dY; the term (f − 1) ⊙ W0·x̃ adds h = (f − 1) ⊙ dY = f ⊙ dY − dY through x̃:
            // dW0 += hᵀ·x̃, dX += mask ⊙ (h·W0).
            var h = _baseOutput.AsSpan(0, length);
            TensorPrimitives.Subtract(scaled, outputGradient, h);
            if (Layer.Weight.Trainable)
            {
                Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, outF, inF, batch,
                    T.One, h, outF, LastAdapterInput(input, batch), inF, T.One, Layer.Weight.Gradient, inF);
            }

            if (!inputGradient.IsEmpty)
            {
                Grow(ref _inputScratch, batch * inF);
                var dx = _inputScratch.AsSpan(0, batch * inF);
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, inF, outF,
                    T.One, h, outF, Layer.Weight.Value, inF, T.Zero, dx, inF);
                TensorPrimitives.MultiplyAdd(dx, mask, inputGradient, inputGradient);
            }
        }

        // LoRA's gradients for the direction, seen through f: dB, dA and dX with f ⊙ dY.
        LowRankBackward(input, scaled, inputGradient, batch);
        _baseGradientScaled = false;
    }

    /// <summary>
    /// Without dropout the base product <c>W0·x</c> is scaled by f, so the layer's <c>dW0</c> and <c>dX</c> take
    /// <c>f ⊙ dY</c> (computed once here and reused by <see cref="Backward"/>); with dropout they take <c>dY</c> and
    /// <see cref="Backward"/> adds the rest through the dropped-out input.
    /// </summary>
    internal override ReadOnlySpan<T> BaseOutputGradient(ReadOnlySpan<T> outputGradient, int batch)
    {
        if (!LastDropoutMask.IsEmpty || _forwardBatch != batch)
        {
            return outputGradient;
        }

        var scaled = ScaleByFactor(outputGradient, batch);
        _baseGradientScaled = true;
        return scaled;
    }

    /// <summary>LoRA's keys, and the magnitude as PEFT 0.21 saves it: <c>…lora_magnitude_vector</c> with no <c>.weight</c>.</summary>
    internal override IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath)
    {
        foreach (var tensor in base.PeftTensors(modulePath))
        {
            yield return ReferenceEquals(tensor.Value, Magnitude) ? new(IO.DoRAPeftFormat.MagnitudeKey(modulePath), Magnitude) : tensor;
        }
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, IO.PeftAdapterConfigBuilder builder) => builder.AddLoRA(modulePath, Options, useDora: true);

    /// <summary>
    /// <c>weight += factor·ΔW</c> with DoRA's <c>ΔW = f ⊙ (W0 + s·B·A) − W0</c> for the layer's current (unmerged) W0.
    /// </summary>
    /// <exception cref="InvalidOperationException">The adapter is merged (W no longer holds W0).</exception>
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        CheckWeightLength(weight.Length);
        if (IsMerged)
        {
            throw new InvalidOperationException($"{Context}: ΔW depends on the unmerged base weight; unmerge first.");
        }

        int inF = Layer.InFeatures;
        int outF = Layer.OutFeatures;
        var w0 = Layer.Weight.Value;
        Grow(ref _rows, NormRowBlock * inF);
        for (int first = 0; first < outF; first += NormRowBlock)
        {
            int rows = Math.Min(NormRowBlock, outF - first);
            var block = AdaptedRows(w0, first, rows);
            for (int o = 0; o < rows; o++)
            {
                // ΔW_o = (m_o / n_o)·(W0 + s·B·A)_o − W0_o
                var adapted = block.Slice(o * inF, inF);
                T scale = Magnitude.Value[first + o] / TensorPrimitives.Norm<T>(adapted);
                var target = weight.Slice((first + o) * inF, inF);
                TensorPrimitives.MultiplyAdd(adapted, factor * scale, target, target);
                TensorPrimitives.MultiplyAdd(w0.AsSpan((first + o) * inF, inF), -factor, target, target);
            }
        }
    }

    /// <summary>
    /// PEFT's merge: <c>W ← (m / n) ⊙ (W + s·B·A)</c> with <c>n = ‖W + s·B·A‖_row</c>, n kept for <see cref="UnmergeFrom"/>
    /// (it must be the unmerged weight's norm, not the merged one's).
    /// </summary>
    protected internal override void MergeInto(Span<T> weight)
    {
        int inF = Layer.InFeatures;
        int outF = Layer.OutFeatures;
        base.AddDeltaWeight(weight, T.One);
        Grow(ref _mergedNorm, outF);
        for (int o = 0; o < outF; o++)
        {
            var row = weight.Slice(o * inF, inF);
            _mergedNorm[o] = TensorPrimitives.Norm<T>(row);
            TensorPrimitives.Multiply(row, Magnitude.Value[o] / _mergedNorm[o], row);
        }
    }

    /// <summary>PEFT's unmerge: <c>W0 = W / (m / n) − s·B·A</c> with the n kept by <see cref="MergeInto"/>.</summary>
    protected internal override void UnmergeFrom(Span<T> weight)
    {
        int inF = Layer.InFeatures;
        for (int o = 0; o < Layer.OutFeatures; o++)
        {
            var row = weight.Slice(o * inF, inF);
            TensorPrimitives.Divide(row, Magnitude.Value[o] / _mergedNorm[o], row);
        }

        base.AddDeltaWeight(weight, -T.One);
    }

    /// <summary>
    /// DoRA needs W0 itself (its row norms, and W0·x̃ with dropout); a 4-bit QLoRA base holds no full-precision weight.
    /// PEFT dequantizes per call; here the base must be dequantized (<see cref="Linear{T}.Dequantize"/>) first.
    /// </summary>
    private void CheckNotQuantized()
    {
        if (Layer.IsQuantized)
        {
            throw new InvalidOperationException(
                $"{Context}: DoRA needs the full-precision base weight (its row norms), but the layer is quantized to 4 bits; call Dequantize() first.");
        }
    }

    /// <summary><c>n[o] = ‖(W0 + s·B·A)[o, :]‖</c>, a block of rows at a time.</summary>
    private void ComputeNorms(ReadOnlySpan<T> w0, Span<T> norms)
    {
        int inF = Layer.InFeatures;
        int outF = Layer.OutFeatures;
        Grow(ref _rows, NormRowBlock * inF);
        for (int first = 0; first < outF; first += NormRowBlock)
        {
            int rows = Math.Min(NormRowBlock, outF - first);
            var block = AdaptedRows(w0, first, rows);
            for (int o = 0; o < rows; o++)
            {
                norms[first + o] = TensorPrimitives.Norm<T>(block.Slice(o * inF, inF));
            }
        }
    }

    /// <summary>Rows <c>[first, first + rows)</c> of <c>W0 + s·B·A</c> in the scratch: W0's rows plus <c>s·B[rows, r]·A[r, in]</c>.</summary>
    private Span<T> AdaptedRows(ReadOnlySpan<T> w0, int first, int rows)
    {
        int inF = Layer.InFeatures;
        var block = _rows.AsSpan(0, rows * inF);
        w0.Slice(first * inF, rows * inF).CopyTo(block);
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, inF, Rank,
            Scale, B.Value.AsSpan(first * Rank, rows * Rank), Rank, A.Value, inF, T.One, block, inF);
        return block;
    }

    /// <summary><c>f ⊙ dY</c> per row, into the adapter's scratch.</summary>
    private Span<T> ScaleByFactor(ReadOnlySpan<T> outputGradient, int batch)
    {
        int outF = Layer.OutFeatures;
        Grow(ref _scaledGradient, batch * outF);
        var scaled = _scaledGradient.AsSpan(0, batch * outF);
        for (int row = 0; row < batch; row++)
        {
            TensorPrimitives.Multiply(outputGradient.Slice(row * outF, outF), _factor, scaled.Slice(row * outF, outF));
        }

        return scaled;
    }
}
