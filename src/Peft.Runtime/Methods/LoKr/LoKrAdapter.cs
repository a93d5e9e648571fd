using System.Numerics;
using System.Numerics.Tensors;
using Peft.Generated;
using Peft.Kernels;
using Peft.Methods;

namespace Peft;

/// <summary>
/// LoKr (PEFT's <c>tuners/lokr</c>, from LyCORIS) on a <see cref="Linear{T}"/>: <c>ΔW = s·(W1 ⊗ W2)</c>, <c>s = α/r</c>,
/// <c>W1[a, c]</c>, <c>W2[b, d]</c> with the widths split as <see cref="LoKrShape.For"/> (PEFT's <c>factorization</c>).
/// W2 is the product <c>W2a[b, r]·W2b[r, d]</c> when <c>r &lt; max(b, d)/2</c>, else one matrix (<c>lokr_w2</c>); W1 is
/// <c>W1a[a, r]·W1b[r, c]</c> only with <c>DecomposeBoth</c> and <c>r &lt; max(a, c)/2</c> (else <c>lokr_w1</c>).
/// The forward pass forms W1 and W2 (small: about √out × √in) and applies the Kronecker product without forming ΔW
/// (<see cref="LoKrKernel{T}"/>). Gradients: the kernel gives dW1, dW2 and dX; a product passes them on,
/// <c>dWa = dW·Wbᵀ</c>, <c>dWb = Waᵀ·dW</c>. Rank dropout scales output row o of ΔW by its mask; module dropout
/// skips the adapter. Merge: <c>W = W0 + s·(W1 ⊗ W2)</c>. Attach with <see cref="LinearAdapterExtensions.AttachLoKr{T}"/>.
/// </summary>
public sealed class LoKrAdapter<T> : Adapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private readonly LyCORISRandom<T> _random;
    private readonly Factor _first;
    private readonly Factor _second;
    private T[] _saved = [];
    private T[] _work = [];
    private T[] _delta = [];
    private T[] _maskedGradient = [];
    private int _forwardBatch = -1;

    internal LoKrAdapter(Linear<T> layer, string name, LoKrOptions options, LoKrKernel<T>? kernel)
        : base(layer, name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(Context, layer.InFeatures, layer.OutFeatures);
        Options = options;
        var shape = LoKrShape.For(layer.InFeatures, layer.OutFeatures, options.DecomposeFactor);
        Kernel = kernel ?? new RuntimeLoKrKernel<T>(shape);
        if (Kernel.Shape != shape)
        {
            throw new ArgumentException($"{Context}: the kernel computes {Kernel.Shape}, but the layer and options need {shape} (shape mismatch).", nameof(kernel));
        }

        (int a, int b, int c, int d, int r) = (shape.OutLeft, shape.OutRight, shape.InLeft, shape.InRight, options.Rank);
        Scale = T.CreateChecked(options.Scale);
        _first = new Factor(this, "lokr_w1", a, c, r, LoKrMethod.DecomposesW1(r, options.DecomposeBoth, a, c));
        _second = new Factor(this, "lokr_w2", b, d, r, LoKrMethod.DecomposesW2(r, b, d));
        _parameters = [.. _first.Parameters, .. _second.Parameters];

        // PEFT's initialisations: Default zeroes W1 (or W1a), LyCORIS zeroes W2 (or W2b), Random zeroes nothing;
        // every other factor is Kaiming-uniform (a = √5).
        _random = new LyCORISRandom<T>(options, layer.OutFeatures, scaleRows: options.RankDropoutScale);
        _first.Initialize(_random, zeroed: options.Init == LoKrInit.Default, zeroLeft: true);
        _second.Initialize(_random, zeroed: options.Init == LoKrInit.LyCORIS, zeroLeft: false);
    }

    /// <summary>The options the adapter was created with.</summary>
    public LoKrOptions Options { get; }

    /// <summary>The Kronecker geometry (a, b, c, d).</summary>
    public LoKrShape Shape => Kernel.Shape;

    /// <summary>The scale s = α/r.</summary>
    public T Scale { get; }

    /// <summary>Whether W1 is <c>W1a·W1b</c> (<c>lokr_w1_a</c>, <c>lokr_w1_b</c>) rather than <c>lokr_w1</c>.</summary>
    public bool DecomposesW1 => _first.Decomposed;

    /// <summary>Whether W2 is <c>W2a·W2b</c> (<c>lokr_w2_a</c>, <c>lokr_w2_b</c>) rather than <c>lokr_w2</c>.</summary>
    public bool DecomposesW2 => _second.Decomposed;

    /// <summary>The kernel applying the Kronecker product (runtime or generated).</summary>
    public LoKrKernel<T> Kernel { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        int outF = Layer.OutFeatures;
        _random.Draw(Layer.IsTraining);
        _forwardBatch = batch;
        if (_random.Skipped)
        {
            return;
        }

        LoRAAdapter<T>.Grow(ref _saved, Shape.SavedLength(batch));
        LoRAAdapter<T>.Grow(ref _work, Shape.WorkLength(batch));
        var mask = _random.RowMask;
        Span<T> target = output;
        if (!mask.IsEmpty)
        {
            // Δ(x) apart, then y += mask ⊙ Δ(x) row by row.
            LoRAAdapter<T>.Grow(ref _delta, batch * outF);
            target = _delta.AsSpan(0, batch * outF);
            target.Clear();
        }

        Kernel.Forward(input, _first.Form(), _second.Form(), Scale, _saved.AsSpan(0, Shape.SavedLength(batch)),
            _work.AsSpan(0, Shape.WorkLength(batch)), target, batch);
        if (!mask.IsEmpty)
        {
            for (int n = 0; n < batch; n++)
            {
                var y = output.Slice(n * outF, outF);
                TensorPrimitives.MultiplyAdd(target.Slice(n * outF, outF), mask, y, y);
            }
        }
    }

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int outF = Layer.OutFeatures;
        if (_forwardBatch != batch)
        {
            throw new InvalidOperationException($"{Context}: Backward for batch {batch} without a matching Forward.");
        }

        if (_random.Skipped)
        {
            return;
        }

        var mask = _random.RowMask;
        if (!mask.IsEmpty)
        {
            // d(mask ⊙ Δ)/dΔ: dY ⊙ mask.
            LoRAAdapter<T>.Grow(ref _maskedGradient, batch * outF);
            var masked = _maskedGradient.AsSpan(0, batch * outF);
            for (int n = 0; n < batch; n++)
            {
                TensorPrimitives.Multiply(outputGradient.Slice(n * outF, outF), mask, masked.Slice(n * outF, outF));
            }

            outputGradient = masked;
        }

        Kernel.Backward(input, outputGradient, _first.Current, _second.Current, Scale, _saved.AsSpan(0, Shape.SavedLength(batch)),
            _work.AsSpan(0, Shape.WorkLength(batch)), _first.GradientTarget(), _second.GradientTarget(), inputGradient, batch);
        _first.PassGradient();
        _second.PassGradient();
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, IO.PeftAdapterConfigBuilder builder) =>
        builder.AddMethodLayer(modulePath, IO.LoKrPeftFormat.Instance.PeftType, Options.Rank, Options.Alpha, IO.LoKrPeftFormat.Instance.Fields(Options));

    /// <summary>PEFT's keys have no <c>.weight</c>: <c>base_model.model.&lt;path&gt;.lokr_w1</c> (nn.ParameterDict entries).</summary>
    internal override IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath) =>
        KeyedPeftTensors(modulePath, _parameters, "");

    /// <inheritdoc />
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        CheckWeightLength(weight.Length);
        Kernel.AddDeltaWeight(_first.Form(), _second.Form(), Scale, factor, weight);
    }

    /// <summary>
    /// One Kronecker factor W <c>[rows, columns]</c>: a parameter <c>name</c>, or the product of <c>name_a[rows, r]</c> and
    /// <c>name_b[r, columns]</c> formed each forward, whose gradient passes on as <c>dWa = dW·Wbᵀ</c>, <c>dWb = Waᵀ·dW</c>.
    /// </summary>
    private sealed class Factor
    {
        private readonly int _rows;
        private readonly int _columns;
        private readonly int _rank;
        private readonly T[] _product = [];
        private readonly T[] _gradient = [];

        public Factor(LoKrAdapter<T> owner, string name, int rows, int columns, int rank, bool decomposed)
        {
            (_rows, _columns, _rank, Decomposed) = (rows, columns, rank, decomposed);
            if (decomposed)
            {
                Left = owner.RegisterParameter(new Parameter<T>(name + "_a", [rows, rank], ParameterRole.LoKrFactor));
                Right = owner.RegisterParameter(new Parameter<T>(name + "_b", [rank, columns], ParameterRole.LoKrFactor));
                Parameters = [Left, Right];
                _product = new T[rows * columns];
                _gradient = new T[rows * columns];
            }
            else
            {
                Whole = owner.RegisterParameter(new Parameter<T>(name, [rows, columns], ParameterRole.LoKrFactor));
                Parameters = [Whole];
            }
        }

        public bool Decomposed { get; }

        public Parameter<T>[] Parameters { get; }

        private Parameter<T>? Whole { get; }

        private Parameter<T>? Left { get; }

        private Parameter<T>? Right { get; }

        /// <summary>W as the latest <see cref="Form"/> left it.</summary>
        public ReadOnlySpan<T> Current => Decomposed ? _product : Whole!.Value;

        private bool Trains => Decomposed ? Left!.Trainable || Right!.Trainable : Whole!.Trainable;

        /// <summary>
        /// When <paramref name="zeroed"/>, zeroes W, or of a product Wa (<paramref name="zeroLeft"/>, PEFT's W1a) or Wb (W2b);
        /// every other parameter is drawn Kaiming-uniform.
        /// </summary>
        public void Initialize(LyCORISRandom<T> random, bool zeroed, bool zeroLeft)
        {
            if (!Decomposed)
            {
                if (!zeroed)
                {
                    random.KaimingUniform(Whole!.Value, _columns);
                }

                return;
            }

            if (!(zeroed && zeroLeft))
            {
                random.KaimingUniform(Left!.Value, _rank);
            }

            if (!(zeroed && !zeroLeft))
            {
                random.KaimingUniform(Right!.Value, _columns);
            }
        }

        /// <summary>W: the parameter, or <c>Wa·Wb</c> formed now.</summary>
        public ReadOnlySpan<T> Form()
        {
            if (Decomposed)
            {
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, _rows, _columns, _rank,
                    T.One, Left!.Value, _rank, Right!.Value, _columns, T.Zero, _product, _columns);
            }

            return Current;
        }

        /// <summary>Where the kernel accumulates dW: the parameter's gradient, or a cleared scratch; empty when frozen.</summary>
        public Span<T> GradientTarget()
        {
            if (!Trains)
            {
                return Span<T>.Empty;
            }

            if (!Decomposed)
            {
                return Whole!.Gradient;
            }

            Array.Clear(_gradient);
            return _gradient;
        }

        /// <summary>For a product: <c>dWa += dW·Wbᵀ</c>, <c>dWb += Waᵀ·dW</c>.</summary>
        public void PassGradient()
        {
            if (!Decomposed || !Trains)
            {
                return;
            }

            if (Left!.Trainable)
            {
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, _rows, _rank, _columns,
                    T.One, _gradient, _columns, Right!.Value, _columns, T.One, Left.Gradient, _rank);
            }

            if (Right!.Trainable)
            {
                Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, _rank, _columns, _rows,
                    T.One, Left.Value, _rank, _gradient, _columns, T.One, Right.Gradient, _columns);
            }
        }
    }
}
