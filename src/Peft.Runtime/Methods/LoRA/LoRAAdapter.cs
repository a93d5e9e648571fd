using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// LoRA (Hu et al. 2021) on a <see cref="Linear{T}"/>: <c>y = W0·x + s·B·(A·x̃)</c>, <c>x̃ = dropout(x)</c>,
/// <c>A ∈ R^{r×in}</c> (<c>lora_A</c>), <c>B ∈ R^{out×r}</c> (<c>lora_B</c>), <c>s = α/r</c> or <c>α/√r</c>.
/// Gradients: <c>dB = s·dYᵀ·(x̃·Aᵀ)</c>, <c>dA = s·(dY·B)ᵀ·x̃</c>, <c>dx = W0ᵀ·dY + mask ⊙ s·(dY·B)·A</c>.
/// Merge: <c>W = W0 + s·B·A</c>. Attach with <see cref="LinearAdapterExtensions.AttachLoRA{T}"/>.
/// </summary>
public class LoRAAdapter<T> : Adapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private readonly Random _dropoutRandom;
    private T[] _xa = [];
    private T[] _dyB = [];
    private T[] _mask = [];
    private T[] _dropped = [];
    private T[] _droppedGradient = [];
    private bool _droppedLastForward;
    private int _lastBatch;

    private protected LoRAAdapter(Linear<T> layer, string name, LoRAOptions options, ILoRAKernel<T>? kernel, bool checkRankLimit)
        : base(layer, name)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        string context = Context;
        if (checkRankLimit)
        {
            options.Validate(context, layer.InFeatures, layer.OutFeatures);
        }
        else if (options.Rank <= 0)
        {
            throw new ArgumentException($"{context}: LoRA rank must be at least 1, got {options.Rank}.", nameof(options));
        }

        Kernel = kernel ?? new RuntimeLoRAKernel<T>(options.Rank);
        CheckKernel(context, Kernel, options.Rank, layer);
        Rank = options.Rank;
        Scale = T.CreateChecked(options.Scale);
        A = RegisterParameter(new Parameter<T>("lora_A", [Rank, layer.InFeatures], ParameterRole.LoRAA));
        B = RegisterParameter(new Parameter<T>("lora_B", [layer.OutFeatures, Rank], ParameterRole.LoRAB));
        _parameters = [A, B];
        InitializeA(A.Value, options, layer.InFeatures);
        _dropoutRandom = new Random(unchecked(options.Seed * 7919 + 1));
    }

    /// <summary>The options the adapter was created with.</summary>
    public LoRAOptions Options { get; }

    /// <summary>The rank r.</summary>
    public int Rank { get; }

    /// <summary>The scale s (α/r, or α/√r for rsLoRA).</summary>
    public T Scale { get; }

    /// <summary>The down projection <c>A[r, in]</c> (PEFT key <c>lora_A.weight</c>).</summary>
    public Parameter<T> A { get; }

    /// <summary>The up projection <c>B[out, r]</c> (PEFT key <c>lora_B.weight</c>), zero at creation.</summary>
    public Parameter<T> B { get; }

    /// <summary>The kernel computing the low-rank products (runtime or generated).</summary>
    public ILoRAKernel<T> Kernel { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <summary>The factor the low-rank products use in A's place: A itself (AdaLoRA: <c>E ⊙ A</c>, rows scaled by E).</summary>
    private protected virtual ReadOnlySpan<T> ProductA => A.Value;

    /// <summary>Where the kernel accumulates the gradient of <see cref="ProductA"/>: A's gradient (empty when A is frozen).</summary>
    private protected virtual Span<T> ProductAGradient => A.Trainable ? A.Gradient : Span<T>.Empty;

    /// <summary>The dropout mask ({0, 1/(1−p)} per input element) of the latest forward; empty without dropout.</summary>
    internal ReadOnlySpan<T> LastDropoutMask
        => _droppedLastForward ? _mask.AsSpan(0, _lastBatch * Layer.InFeatures) : ReadOnlySpan<T>.Empty;

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
        => LowRankForward(DropoutInput(input, batch), output, batch);

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
        => LowRankBackward(input, outputGradient, inputGradient, batch);

    /// <summary>
    /// <c>x̃ = dropout(x)</c> for a training forward with dropout (the mask is drawn and kept for the backward pass),
    /// else <paramref name="input"/> itself.
    /// </summary>
    private protected ReadOnlySpan<T> DropoutInput(ReadOnlySpan<T> input, int batch)
    {
        int inF = Layer.InFeatures;
        _lastBatch = batch;
        _droppedLastForward = Options.Dropout > 0 && Layer.IsTraining;
        if (!_droppedLastForward)
        {
            return input;
        }

        // x̃ = x ⊙ mask, mask ∈ {0, 1/(1−p)} drawn per element; kept for Backward.
        Grow(ref _mask, batch * inF);
        Grow(ref _dropped, batch * inF);
        var mask = _mask.AsSpan(0, batch * inF);
        T keep = T.One / (T.One - T.CreateChecked(Options.Dropout));
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = _dropoutRandom.NextDouble() < Options.Dropout ? T.Zero : keep;
        }

        TensorPrimitives.Multiply(input, mask, _dropped.AsSpan(0, batch * inF));
        return _dropped.AsSpan(0, batch * inF);
    }

    /// <summary>The adapter input <c>x̃</c> of the latest forward: the dropped-out copy, or <paramref name="input"/>.</summary>
    private protected ReadOnlySpan<T> LastAdapterInput(ReadOnlySpan<T> input, int batch)
        => _droppedLastForward ? _dropped.AsSpan(0, batch * Layer.InFeatures) : input;

    /// <summary><c>xa = x̃·Aᵀ</c> (kept for the backward pass), then <c>y += s·xa·Bᵀ</c>, through the kernel.</summary>
    private protected void LowRankForward(ReadOnlySpan<T> x, Span<T> output, int batch)
    {
        Grow(ref _xa, batch * Rank);
        Kernel.Forward(x, ProductA, B.Value, Scale, _xa.AsSpan(0, batch * Rank), output, batch, Layer.InFeatures, Layer.OutFeatures);
    }

    /// <summary>
    /// With <c>g = dY·B</c>: <c>dB += s·dYᵀ·xa</c>, <c>dA += s·gᵀ·x̃</c>, <c>dX += mask ⊙ s·g·A</c>, for the latest forward
    /// (<paramref name="outputGradient"/> is what reaches the low-rank path).
    /// </summary>
    private protected void LowRankBackward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int inF = Layer.InFeatures;
        int outF = Layer.OutFeatures;
        if (_xa.Length < batch * Rank)
        {
            throw new InvalidOperationException($"{Context}: Backward for batch {batch} without a matching Forward.");
        }

        Grow(ref _dyB, batch * Rank);
        ReadOnlySpan<T> x = LastAdapterInput(input, batch);
        Span<T> dx = inputGradient;
        if (_droppedLastForward && !inputGradient.IsEmpty)
        {
            // The adapter's dX goes through the mask: collect it apart, then dX += mask ⊙ dX̃.
            Grow(ref _droppedGradient, batch * inF);
            dx = _droppedGradient.AsSpan(0, batch * inF);
            dx.Clear();
        }

        Kernel.Backward(x, outputGradient, ProductA, B.Value, _xa.AsSpan(0, batch * Rank), Scale,
            _dyB.AsSpan(0, batch * Rank),
            ProductAGradient,
            B.Trainable ? B.Gradient : Span<T>.Empty,
            dx, batch, inF, outF);

        if (_droppedLastForward && !inputGradient.IsEmpty)
        {
            TensorPrimitives.MultiplyAdd(dx, _mask.AsSpan(0, batch * inF), inputGradient, inputGradient);
        }
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, IO.PeftAdapterConfigBuilder builder) => builder.AddLoRA(modulePath, Options);

    /// <inheritdoc />
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        CheckWeightLength(weight.Length);

        // W[out×in] += factor·s·B[out×r]·A[r×in], through the kernel (a generated one keeps the rank unrolled).
        Kernel.AddDeltaWeight(ProductA, B.Value, Scale, factor, weight, Layer.InFeatures, Layer.OutFeatures);
    }

    /// <summary>Creates and attaches a LoRA adapter (see <see cref="LinearAdapterExtensions"/>).</summary>
    internal static LoRAAdapter<T> Create(Linear<T> layer, string name, LoRAOptions options, ILoRAKernel<T>? kernel, bool checkRankLimit = true)
        => options switch
        {
            LoRAPlusOptions plus => new LoRAPlusAdapter<T>(layer, name, plus, kernel),
            DoRAOptions dora => new DoRAAdapter<T>(layer, name, dora, kernel),
            AdaLoRAOptions adaLoRA => new AdaLoRAAdapter<T>(layer, name, adaLoRA, kernel),
            _ => new LoRAAdapter<T>(layer, name, options, kernel, checkRankLimit),
        };

    /// <summary>Grows a scratch buffer to at least <paramref name="length"/> (only when the batch grows).</summary>
    internal static void Grow(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }

    private static void CheckKernel(string context, ILoRAKernel<T> kernel, int rank, Linear<T> layer)
    {
        if (kernel.Rank != rank)
        {
            throw new ArgumentException($"{context}: the kernel computes rank {kernel.Rank}, but the options ask for rank {rank}.", nameof(kernel));
        }

        if ((kernel.InFeatures != 0 && kernel.InFeatures != layer.InFeatures) ||
            (kernel.OutFeatures != 0 && kernel.OutFeatures != layer.OutFeatures))
        {
            throw new ArgumentException(
                $"{context}: the kernel is specialized for Linear [{kernel.OutFeatures}, {kernel.InFeatures}], shape mismatch with the layer.",
                nameof(kernel));
        }
    }

    /// <summary>
    /// Kaiming-uniform with a = √5 as PyTorch's <c>kaiming_uniform_</c>: gain = √(2/(1+a²)) = √(1/3),
    /// bound = gain·√(3/fan_in) = 1/√in. Gaussian: N(0, (1/r)²) as PEFT's <c>init_lora_weights="gaussian"</c>.
    /// </summary>
    private static void InitializeA(T[] a, LoRAOptions options, int inFeatures)
    {
        var random = new Random(options.Seed);
        if (options.Init == LoRAInit.KaimingUniform)
        {
            double gain = Math.Sqrt(2.0 / (1.0 + 5.0));
            double bound = gain * Math.Sqrt(3.0 / inFeatures);
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = T.CreateChecked((random.NextDouble() * 2.0 - 1.0) * bound);
            }
        }
        else
        {
            double std = 1.0 / options.Rank;
            for (int i = 0; i < a.Length; i++)
            {
                // Box–Muller: √(−2 ln u1)·cos(2π u2) is standard normal.
                double u1 = 1.0 - random.NextDouble();
                double u2 = random.NextDouble();
                a[i] = T.CreateChecked(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
            }
        }
    }
}
