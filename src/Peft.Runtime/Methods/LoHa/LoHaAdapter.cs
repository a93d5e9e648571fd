using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// LoHa (Hyeon-Woo et al. 2022, FedPara; PEFT's <c>tuners/loha</c>) on a <see cref="Linear{T}"/>:
/// <code>
///   ΔW = s·(W1a·W1b) ⊙ (W2a·W2b),   W1a, W2a ∈ R^{out×r} (hada_w1_a, hada_w2_a),  W1b, W2b ∈ R^{r×in},  s = α/r
/// </code>
/// The Hadamard product of two rank-r products is the rank-r² product <c>ΔW = s·U·D</c> with the Khatri–Rao factors
/// <c>U[o, i·r+j] = W1a[o,i]·W2a[o,j]</c> (<c>[out, r²]</c>) and <c>D[i·r+j, k] = W1b[i,k]·W2b[j,k]</c> (<c>[r², in]</c>):
/// <c>Σ_ij W1a[o,i]W1b[i,k]·W2a[o,j]W2b[j,k] = (W1a·W1b)[o,k]·(W2a·W2b)[o,k]</c>. So the forward pass forms U and D
/// (<c>(in+out)·r²</c> products) and runs LoRA's kernel at rank r² on them, never the <c>[out, in]</c> ΔW: at r = 8 that
/// is a rank-64 low-rank product, far cheaper than a dense <c>x·ΔWᵀ</c> while r² &lt; in·out/(in+out). Gradients: the
/// kernel gives <c>dU</c>, <c>dD</c> and <c>dX</c>; then <c>dW1a[o,i] = Σ_j dU[o,ij]·W2a[o,j]</c>,
/// <c>dW2a[o,j] = Σ_i dU[o,ij]·W1a[o,i]</c>, <c>dW1b[i,k] = Σ_j dD[ij,k]·W2b[j,k]</c>, <c>dW2b[j,k] = Σ_i dD[ij,k]·W1b[i,k]</c>
/// (PEFT's <c>HadaWeight.backward</c>, exactly). Rank dropout scales row o of ΔW (row o of U) by its mask; module
/// dropout skips the adapter. Merge: <c>W = W0 + s·U·D</c>. Attach with <see cref="LinearAdapterExtensions.AttachLoHa{T}"/>.
/// </summary>
public sealed class LoHaAdapter<T> : Adapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private readonly LyCORISRandom<T> _random;
    private readonly T[] _up;
    private readonly T[] _down;
    private readonly T[] _upGradient;
    private readonly T[] _downGradient;
    private T[] _xa = [];
    private T[] _dyU = [];
    private int _forwardBatch = -1;

    internal LoHaAdapter(Linear<T> layer, string name, LoHaOptions options, ILoRAKernel<T>? kernel)
        : base(layer, name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(Context, layer.InFeatures, layer.OutFeatures);
        Options = options;
        Rank = options.Rank;
        int r = Rank, inF = layer.InFeatures, outF = layer.OutFeatures;
        Scale = T.CreateChecked(options.Scale);
        Kernel = kernel ?? new RuntimeLoRAKernel<T>(r * r);
        if (Kernel.Rank != r * r || (Kernel.InFeatures != 0 && Kernel.InFeatures != inF) || (Kernel.OutFeatures != 0 && Kernel.OutFeatures != outF))
        {
            throw new ArgumentException(
                $"{Context}: the kernel computes rank {Kernel.Rank} on Linear [{Kernel.OutFeatures}, {Kernel.InFeatures}], " +
                $"but LoHa rank {r} needs rank r² = {r * r} (shape mismatch).",
                nameof(kernel));
        }

        W1A = RegisterParameter(new Parameter<T>("hada_w1_a", [outF, r], ParameterRole.LoHaFactor));
        W1B = RegisterParameter(new Parameter<T>("hada_w1_b", [r, inF], ParameterRole.LoHaFactor));
        W2A = RegisterParameter(new Parameter<T>("hada_w2_a", [outF, r], ParameterRole.LoHaFactor));
        W2B = RegisterParameter(new Parameter<T>("hada_w2_b", [r, inF], ParameterRole.LoHaFactor));
        _parameters = [W1A, W1B, W2A, W2B];
        _up = new T[outF * r * r];
        _down = new T[r * r * inF];
        _upGradient = new T[_up.Length];
        _downGradient = new T[_down.Length];

        // PEFT's reset_adapter_parameters: Kaiming-uniform (a = √5) for W1a, W1b, W2a; W2b zero, so ΔW = 0
        // (init_weights=False draws W2b too).
        _random = new LyCORISRandom<T>(options, outF, scaleRows: true);
        _random.KaimingUniform(W1A.Value, r);
        _random.KaimingUniform(W1B.Value, inF);
        _random.KaimingUniform(W2A.Value, r);
        if (!options.InitWeights)
        {
            _random.KaimingUniform(W2B.Value, inF);
        }
    }

    /// <summary>The options the adapter was created with.</summary>
    public LoHaOptions Options { get; }

    /// <summary>The rank r of each factor pair (ΔW has rank up to r²).</summary>
    public int Rank { get; }

    /// <summary>The scale s = α/r.</summary>
    public T Scale { get; }

    /// <summary><c>W1a[out, r]</c> (PEFT key <c>hada_w1_a</c>).</summary>
    public Parameter<T> W1A { get; }

    /// <summary><c>W1b[r, in]</c> (PEFT key <c>hada_w1_b</c>).</summary>
    public Parameter<T> W1B { get; }

    /// <summary><c>W2a[out, r]</c> (PEFT key <c>hada_w2_a</c>).</summary>
    public Parameter<T> W2A { get; }

    /// <summary><c>W2b[r, in]</c> (PEFT key <c>hada_w2_b</c>), zero at creation.</summary>
    public Parameter<T> W2B { get; }

    /// <summary>LoRA's kernel at rank r², computing <c>s·U·(D·x)</c> and its gradients (runtime or generated).</summary>
    public ILoRAKernel<T> Kernel { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        int rr = Rank * Rank;
        _random.Draw(Layer.IsTraining);
        _forwardBatch = batch;
        if (_random.Skipped)
        {
            return;
        }

        FormFactors(_random.RowMask);
        LoRAAdapter<T>.Grow(ref _xa, batch * rr);
        Kernel.Forward(input, _down, _up, Scale, _xa.AsSpan(0, batch * rr), output, batch, Layer.InFeatures, Layer.OutFeatures);
    }

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int r = Rank, rr = r * r, inF = Layer.InFeatures, outF = Layer.OutFeatures;
        if (_forwardBatch != batch)
        {
            throw new InvalidOperationException($"{Context}: Backward for batch {batch} without a matching Forward.");
        }

        if (_random.Skipped)
        {
            return;
        }

        bool trains = W1A.Trainable || W1B.Trainable || W2A.Trainable || W2B.Trainable;
        if (trains)
        {
            Array.Clear(_upGradient);
            Array.Clear(_downGradient);
        }

        LoRAAdapter<T>.Grow(ref _dyU, batch * rr);
        Kernel.Backward(input, outputGradient, _down, _up, _xa.AsSpan(0, batch * rr), Scale, _dyU.AsSpan(0, batch * rr),
            trains ? _downGradient : Span<T>.Empty, trains ? _upGradient : Span<T>.Empty, inputGradient, batch, inF, outF);
        if (!trains)
        {
            return;
        }

        // The kernel's dU is for the masked U (row o times mask[o]): dU_unmasked[o] = mask[o]·dU[o].
        var mask = _random.RowMask;
        for (int o = 0; o < outF; o++)
        {
            var dU = _upGradient.AsSpan(o * rr, rr);
            if (!mask.IsEmpty)
            {
                TensorPrimitives.Multiply(dU, mask[o], dU);
            }

            var w1a = W1A.Value.AsSpan(o * r, r);
            var w2a = W2A.Value.AsSpan(o * r, r);
            var dW1a = W1A.Gradient.AsSpan(o * r, r);
            var dW2a = W2A.Gradient.AsSpan(o * r, r);
            for (int i = 0; i < r; i++)
            {
                // dW1a[o,i] += Σ_j dU[o,ij]·W2a[o,j];  dW2a[o,:] += dU[o,i·r..]·W1a[o,i].
                var block = dU.Slice(i * r, r);
                if (W1A.Trainable)
                {
                    dW1a[i] += TensorPrimitives.Dot<T>(block, w2a);
                }

                if (W2A.Trainable)
                {
                    TensorPrimitives.MultiplyAdd(block, w1a[i], dW2a, dW2a);
                }
            }
        }

        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < r; j++)
            {
                // dW1b[i,:] += dD[ij,:] ⊙ W2b[j,:];  dW2b[j,:] += dD[ij,:] ⊙ W1b[i,:].
                var dD = _downGradient.AsSpan((i * r + j) * inF, inF);
                if (W1B.Trainable)
                {
                    var target = W1B.Gradient.AsSpan(i * inF, inF);
                    TensorPrimitives.MultiplyAdd(dD, W2B.Value.AsSpan(j * inF, inF), target, target);
                }

                if (W2B.Trainable)
                {
                    var target = W2B.Gradient.AsSpan(j * inF, inF);
                    TensorPrimitives.MultiplyAdd(dD, W1B.Value.AsSpan(i * inF, inF), target, target);
                }
            }
        }
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, IO.PeftAdapterConfigBuilder builder) =>
        builder.AddMethodLayer(modulePath, IO.LoHaPeftFormat.Instance.PeftType, Options.Rank, Options.Alpha, IO.LoHaPeftFormat.Instance.Fields(Options));

    /// <summary>PEFT's keys have no <c>.weight</c>: <c>base_model.model.&lt;path&gt;.hada_w1_a</c> (nn.ParameterDict entries).</summary>
    internal override IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath) =>
        KeyedPeftTensors(modulePath, _parameters, "");

    /// <inheritdoc />
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        CheckWeightLength(weight.Length);

        // W[out×in] += factor·s·U·D = factor·s·(W1a·W1b) ⊙ (W2a·W2b), through the kernel.
        FormFactors(ReadOnlySpan<T>.Empty);
        Kernel.AddDeltaWeight(_down, _up, Scale, factor, weight, Layer.InFeatures, Layer.OutFeatures);
    }

    /// <summary>
    /// The Khatri–Rao factors: <c>U[o, i·r+j] = mask[o]·W1a[o,i]·W2a[o,j]</c> (no mask when empty) and
    /// <c>D[i·r+j, :] = W1b[i,:] ⊙ W2b[j,:]</c>.
    /// </summary>
    private void FormFactors(ReadOnlySpan<T> rowMask)
    {
        int r = Rank, rr = r * r, inF = Layer.InFeatures, outF = Layer.OutFeatures;
        for (int o = 0; o < outF; o++)
        {
            var w2a = W2A.Value.AsSpan(o * r, r);
            T keep = rowMask.IsEmpty ? T.One : rowMask[o];
            for (int i = 0; i < r; i++)
            {
                TensorPrimitives.Multiply(w2a, keep * W1A.Value[o * r + i], _up.AsSpan(o * rr + i * r, r));
            }
        }

        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < r; j++)
            {
                TensorPrimitives.Multiply(W1B.Value.AsSpan(i * inF, inF), W2B.Value.AsSpan(j * inF, inF), _down.AsSpan((i * r + j) * inF, inF));
            }
        }
    }
}
