using System.Numerics;
using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// A fully connected layer <c>y = x·Wᵀ + b</c> on a batch of rows.
/// The weight is stored <c>[out, in]</c> row-major, as PyTorch and PEFT store it.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public partial class Linear<T> : Layer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private LinearAdapters<T>? _adapters;

    /// <summary>
    /// Creates a layer initialised as PyTorch's <c>nn.Linear</c>: weight and bias uniform in
    /// <c>±1/√in</c> (Kaiming-uniform with a = √5).
    /// </summary>
    /// <param name="inFeatures">Input width; must be positive.</param>
    /// <param name="outFeatures">Output width; must be positive.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="random">The source of the initial values; a fixed-seed generator when null.</param>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Random? random = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
        {
            throw new ArgumentException(
                $"Linear needs positive sizes, got in={inFeatures}, out={outFeatures}.");
        }

        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter(new Parameter<T>("weight", [outFeatures, inFeatures], ParameterRole.Weight));
        Bias = bias ? RegisterParameter(new Parameter<T>("bias", [outFeatures], ParameterRole.Bias)) : null;

        random ??= new Random(0);
        double bound = 1.0 / Math.Sqrt(inFeatures);
        FillUniform(Weight.Value, bound, random);
        if (Bias is not null)
        {
            FillUniform(Bias.Value, bound, random);
        }
    }

    /// <summary>
    /// Creates a layer over existing parameters, which it registers as its own <c>weight</c> (and <c>bias</c>):
    /// a weight registered by two modules is one parameter (tied embeddings: the LM head reads the embedding
    /// table <c>[vocab, hidden]</c> as its <c>[out, in]</c> weight).
    /// </summary>
    /// <param name="weight">The weight, <c>[out, in]</c>, named "weight".</param>
    /// <param name="bias">The bias, <c>[out]</c>, named "bias", or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A parameter is not rank 2 / rank 1, or the sizes disagree.</exception>
    public Linear(Parameter<T> weight, Parameter<T>? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Shape.Length != 2 || (bias is not null && (bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0])))
        {
            throw new ArgumentException(
                $"Linear: a shared weight is [out, in] and a bias [out]; got weight {weight.ShapeText}{(bias is null ? "" : $" and bias {bias.ShapeText}")}.");
        }

        OutFeatures = weight.Shape[0];
        InFeatures = weight.Shape[1];
        Weight = RegisterParameter(weight);
        Bias = bias is null ? null : RegisterParameter(bias);
    }

    /// <summary>The input width.</summary>
    public int InFeatures { get; }

    /// <summary>The output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, <c>[out, in]</c>.</summary>
    public Parameter<T> Weight { get; }

    /// <summary>The bias, <c>[out]</c>, or <see langword="null"/>.</summary>
    public Parameter<T>? Bias { get; }

    /// <summary>
    /// The adapters attached to this layer (LoRA, LoRA+, MoRA); the active one adds its
    /// contribution after the base product in <see cref="Forward(ReadOnlySpan{T}, Span{T}, int)"/> and is back-propagated in
    /// <see cref="Backward(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int)"/>. Attach with <c>AttachLoRA</c>, <c>AttachLoRAPlus</c> or <c>AttachMoRA</c>.
    /// </summary>
    public LinearAdapters<T> Adapters => _adapters ??= new LinearAdapters<T>(this);

    /// <summary>Whether any adapter has been attached (without creating the collection).</summary>
    internal bool HasAdapters => _adapters is { Count: > 0 };

    /// <summary>Whether the base weight and bias are frozen (not trained).</summary>
    public bool IsFrozen
    {
        get => !Weight.Trainable;
        set
        {
            if (!value)
            {
                ThrowIfQuantized("unfreeze it");
            }

            Weight.Trainable = !value;
            if (Bias is not null)
            {
                Bias.Trainable = !value;
            }
        }
    }

    /// <summary>Computes <c>output[batch, out] = input[batch, in]·Wᵀ + b</c>.</summary>
    /// <exception cref="ArgumentException">A span's length does not match its shape.</exception>
    public void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        CheckShapes(input.Length, output.Length, batch, "input", "output");
        if (batch == 0)
        {
            return;
        }

        // y = x̃·Wᵀ : [batch×in]·[in×out], x̃ = x unless the acting adapter scales the input (IA³ feed-forward)
        var acting = _adapters?.Acting;
        ReadOnlySpan<T> baseInput = acting is null ? input : acting.BaseInput(input, batch);
        if (_quantized is null)
        {
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch, OutFeatures, InFeatures,
                T.One, baseInput, InFeatures, Weight.Value, InFeatures, T.Zero, output, OutFeatures);
        }
        else
        {
            ForwardQuantized(baseInput, output, batch);
        }
        if (Bias is not null)
        {
            for (int row = 0; row < batch; row++)
            {
                var y = output.Slice(row * OutFeatures, OutFeatures);
                TensorPrimitives.Add(y, Bias.Value, y);
            }
        }

        // y += Δ(x): the active adapter's contribution (none when disabled or merged).
        _adapters?.Forward(input, output, batch);
    }

    /// <summary>
    /// Back-propagates <paramref name="outputGradient"/> (<c>dY[batch, out]</c>): accumulates
    /// <c>dW += dYᵀ·x</c> and <c>db += Σ_rows dY</c> when trainable, and writes
    /// <c>dX = dY·W</c> into <paramref name="inputGradient"/> unless it is empty.
    /// </summary>
    public void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
        => Backward(input, outputGradient, inputGradient, batch, T.Zero);

    /// <summary>Remembers <paramref name="input"/> (<c>[…, in]</c>) and returns <c>x·Wᵀ + b</c> (+ the active adapter), <c>[…, out]</c>.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        if (input.Width != InFeatures)
        {
            throw new ArgumentException($"{Describe()}: input is {input.ShapeText()}, its innermost dimension must be in = {InFeatures}.", nameof(input));
        }

        _output.ReshapeLike(input, OutFeatures);
        Forward(input.Span, _output.Span, input.Rows);
        return _output;
    }

    /// <summary><c>dW += dYᵀ·x</c>, <c>db += Σ dY</c>, <c>dX += dY·W</c> (+ the active adapter's part).</summary>
    protected override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
        => Backward(input.Span, outputGradient.Span, inputGradient is null ? [] : inputGradient.Span, input.Rows, T.One);

    /// <inheritdoc />
    protected override string Describe() => $"Linear [{OutFeatures}, {InFeatures}]";

    /// <summary>The backward pass with <c>dX = dY·W + dxBeta·dX</c> (0: overwrite, 1: accumulate).</summary>
    private void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch, T dxBeta)
    {
        CheckShapes(input.Length, outputGradient.Length, batch, "input", "output gradient");
        if (!inputGradient.IsEmpty && inputGradient.Length != batch * InFeatures)
        {
            throw new ArgumentException(
                $"Linear [{OutFeatures}, {InFeatures}]: input gradient has {inputGradient.Length} elements, expected batch {batch} × in {InFeatures} = {batch * InFeatures}.",
                nameof(inputGradient));
        }

        if (batch == 0)
        {
            return;
        }

        // What reaches W0·x: dY, or dY scaled per row by an adapter that rescales the base output (DoRA).
        ReadOnlySpan<T> baseGradient = _adapters is null ? outputGradient : _adapters.BaseOutputGradient(outputGradient, batch);
        var acting = _adapters?.Acting;
        if (Weight.Trainable)
        {
            ThrowIfQuantized("train its weight");

            // dW[out×in] += dYᵀ[out×batch]·x̃[batch×in] (x̃: what the base product read)
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, OutFeatures, InFeatures, batch,
                T.One, baseGradient, OutFeatures, acting is null ? input : acting.BaseInput(input, batch), InFeatures, T.One, Weight.Gradient, InFeatures);
        }

        if (Bias is { Trainable: true })
        {
            // db += Σ_rows dY, or l ⊙ dY when the adapter scales the bias too (IA³ on the output)
            var biasGradient = acting is { ScalesBias: true } ? baseGradient : outputGradient;
            for (int row = 0; row < batch; row++)
            {
                TensorPrimitives.Add(Bias.Gradient, biasGradient.Slice(row * OutFeatures, OutFeatures), Bias.Gradient);
            }
        }

        // dX̃ = dY·W goes into dX, or apart when the adapter transforms it (IA³ feed-forward adds l ⊙ dX̃ to dX itself).
        Span<T> apart = acting is null ? Span<T>.Empty : acting.BaseInputGradient(batch);
        if (!apart.IsEmpty && !inputGradient.IsEmpty && dxBeta == T.Zero)
        {
            inputGradient.Clear();
        }

        Span<T> dxTarget = apart.IsEmpty ? inputGradient : apart;
        if (!dxTarget.IsEmpty)
        {
            // dX[batch×in] = dY[batch×out]·W[out×in] (+ dX when accumulating)
            T beta = apart.IsEmpty ? dxBeta : T.Zero;
            if (_quantized is null)
            {
                Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, InFeatures, OutFeatures,
                    T.One, baseGradient, OutFeatures, Weight.Value, InFeatures, beta, dxTarget, InFeatures);
            }
            else
            {
                InputGradientQuantized(baseGradient, dxTarget, batch, beta);
            }
        }

        // The active adapter accumulates its parameter gradients and adds its part of dX.
        _adapters?.Backward(input, outputGradient, inputGradient, batch);
    }

    /// <summary>Registers an adapter as a child module named by the adapter (its parameters get paths
    /// such as <c>hidden.default.lora_A</c>).</summary>
    internal void AddAdapterModule(string name, Module adapter) => RegisterModule(name, adapter);

    /// <summary>Removes an adapter child module.</summary>
    internal void RemoveAdapterModule(Module adapter) => UnregisterModule(adapter);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the layer shape unless the spans fit it.</summary>
    protected void CheckShapes(int inputLength, int outputLength, int batch, string inputName, string outputName)
    {
        if (batch < 0)
        {
            throw new ArgumentException($"Linear [{OutFeatures}, {InFeatures}]: batch must be non-negative, got {batch}.");
        }

        if ((long)batch * InFeatures != inputLength)
        {
            throw new ArgumentException(
                $"Linear [{OutFeatures}, {InFeatures}]: {inputName} has {inputLength} elements, expected batch {batch} × in {InFeatures} = {(long)batch * InFeatures}.");
        }

        if ((long)batch * OutFeatures != outputLength)
        {
            throw new ArgumentException(
                $"Linear [{OutFeatures}, {InFeatures}]: {outputName} has {outputLength} elements, expected batch {batch} × out {OutFeatures} = {(long)batch * OutFeatures}.");
        }
    }

    private static void FillUniform(T[] values, double bound, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateChecked((random.NextDouble() * 2.0 - 1.0) * bound);
        }
    }
}

/// <summary>A single-precision <see cref="Linear{T}"/>: the layer type users annotate with adapter attributes.</summary>
public sealed class Linear : Linear<float>
{
    /// <inheritdoc cref="Linear{T}(int, int, bool, Random?)" />
    public Linear(int inFeatures, int outFeatures, bool bias = true, Random? random = null)
        : base(inFeatures, outFeatures, bias, random)
    {
    }
}
