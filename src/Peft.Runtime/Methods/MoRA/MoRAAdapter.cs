using System.Numerics;

namespace Peft;

/// <summary>
/// MoRA (Jiang et al. 2024) on a <see cref="Linear{T}"/>: <c>y = W0·x + decompress(M·compress(x))</c>
/// with one square trainable <c>M ∈ R^{r̂×r̂}</c>, zero at creation, no α. The operators are those of
/// <see cref="MoRAShape"/> (Sharing or RoPE, any in and out). Merge builds ΔW exactly by applying the
/// adapter to the rows of the identity: <c>ΔW[:, i] = Δ(e_i)</c>.
/// </summary>
public sealed class MoRAAdapter<T> : Adapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Rows of the identity pushed through the adapter at once when building ΔW.</summary>
    private const int MergeBlock = 64;

    private readonly Parameter<T>[] _parameters;
    private readonly IMoRAKernel<T> _initialKernel;
    private T[] _compressed = [];
    private T[] _mixed = [];
    private T[] _mixedGradient = [];
    private T[] _compressedGradient = [];

    internal MoRAAdapter(Linear<T> layer, string name, MoRAOptions options, IMoRAKernel<T>? kernel)
        : base(layer, name)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(Context, layer.InFeatures, layer.OutFeatures);
        Options = options;
        int squareRank = MoRAShape.ComputeSquareRank(layer.InFeatures, layer.OutFeatures, options.Rank, options.Type);
        var shape = new MoRAShape(layer.InFeatures, layer.OutFeatures, squareRank, options.Type);
        Kernel = kernel ?? new RuntimeMoRAKernel<T>(shape);
        _initialKernel = Kernel;
        if (Kernel.Shape != shape)
        {
            throw new ArgumentException(
                $"{Context}: the kernel is built for {Describe(Kernel.Shape)}, but the layer and options need {Describe(shape)} (shape mismatch).",
                nameof(kernel));
        }

        M = RegisterParameter(new Parameter<T>("lora_A", [squareRank, squareRank], ParameterRole.MoRAM));
        _parameters = [M];
    }

    /// <summary>The options the adapter was created with.</summary>
    public MoRAOptions Options { get; private set; }

    /// <summary>r̂, the side of M (the highest rank ΔW can reach).</summary>
    public int SquareRank => Kernel.Shape.SquareRank;

    /// <summary>The geometry of the compression and decompression.</summary>
    public MoRAShape Shape => Kernel.Shape;

    /// <summary>The square matrix <c>M[r̂, r̂]</c>, zero at creation. Stored under <c>lora_A</c> as in the
    /// official MoRA checkpoints.</summary>
    public Parameter<T> M { get; }

    /// <summary>The kernel computing compression, M and decompression (runtime or generated).</summary>
    public IMoRAKernel<T> Kernel { get; private set; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        int length = Shape.CompressedLength(batch);
        LoRAAdapter<T>.Grow(ref _compressed, length);
        LoRAAdapter<T>.Grow(ref _mixed, length);
        Kernel.Forward(input, M.Value, _compressed.AsSpan(0, length), _mixed.AsSpan(0, length), output, batch);
    }

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int length = Shape.CompressedLength(batch);
        if (_compressed.Length < length)
        {
            throw new InvalidOperationException($"{Context}: Backward for batch {batch} without a matching Forward.");
        }

        LoRAAdapter<T>.Grow(ref _mixedGradient, length);
        LoRAAdapter<T>.Grow(ref _compressedGradient, length);
        Kernel.Backward(outputGradient, M.Value, _compressed.AsSpan(0, length),
            _mixedGradient.AsSpan(0, length), _compressedGradient.AsSpan(0, length),
            M.Trainable ? M.Gradient : Span<T>.Empty, inputGradient, batch);
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, IO.PeftAdapterConfigBuilder builder) => builder.AddMoRA(modulePath, Options);

    /// <summary>M under <c>lora_A</c> (its own name) and again under <c>lora_B</c>: the official MoRA fork aliases the two.</summary>
    internal override IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath)
    {
        foreach (var tensor in base.PeftTensors(modulePath))
        {
            yield return tensor;
        }

        yield return new(IO.PeftKeys.LoRAB(modulePath), M);
    }

    /// <inheritdoc />
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        CheckWeightLength(weight.Length);
        int inF = Layer.InFeatures;
        int outF = Layer.OutFeatures;
        int block = Math.Min(MergeBlock, inF);
        var identity = new T[block * inF];
        var response = new T[block * outF];
        var compressed = new T[Shape.CompressedLength(block)];
        var mixed = new T[compressed.Length];
        for (int first = 0; first < inF; first += block)
        {
            int rows = Math.Min(block, inF - first);

            // Rows e_first … e_{first+rows−1} of the identity; response row k = Δ(e_{first+k}) = ΔW[:, first+k].
            Array.Clear(identity);
            Array.Clear(response);
            for (int k = 0; k < rows; k++)
            {
                identity[k * inF + first + k] = T.One;
            }

            Kernel.Forward(identity.AsSpan(0, rows * inF), M.Value, compressed.AsSpan(0, Shape.CompressedLength(rows)),
                mixed.AsSpan(0, Shape.CompressedLength(rows)), response.AsSpan(0, rows * outF), rows);
            for (int k = 0; k < rows; k++)
            {
                for (int o = 0; o < outF; o++)
                {
                    weight[o * inF + first + k] += factor * response[k * outF + o];
                }
            }
        }
    }

    /// <summary>
    /// ReMoRA's restart: folds <c>ΔW</c> of the current type into the layer's weight (<c>W0 ← W0 + ΔW</c>, for good), sets M to
    /// zero and switches the compression and decompression to <paramref name="type"/> (the runtime kernel, or the kernel the
    /// adapter was created with when the type returns to it). The output is unchanged by the restart.
    /// </summary>
    /// <exception cref="InvalidOperationException">The adapter is merged, the base is 4-bit, or <paramref name="type"/> changes r̂ (RoPE).</exception>
    internal void MergeAndReset(MoRAType type)
    {
        if (IsMerged || Layer.IsQuantized || MoRAShape.ComputeSquareRank(Layer.InFeatures, Layer.OutFeatures, Options.Rank, type) != SquareRank)
        {
            throw new InvalidOperationException(
                $"{Context}: ReMoRA merges into the base weight and keeps r̂ = {SquareRank}: the adapter must be unmerged, the base not 4-bit, " +
                $"and {type} must keep r̂ (merged: {IsMerged}, 4-bit: {Layer.IsQuantized}).");
        }

        var shape = new MoRAShape(Layer.InFeatures, Layer.OutFeatures, SquareRank, type);
        AddDeltaWeight(Layer.Weight.Value, T.One);
        Array.Clear(M.Value);
        Kernel = _initialKernel.Shape == shape ? _initialKernel : new RuntimeMoRAKernel<T>(shape);
        Options = Options with { Type = type };
    }

    private static string Describe(MoRAShape shape)
        => $"{shape.Type} in={shape.InFeatures}, out={shape.OutFeatures}, r̂={shape.SquareRank}";
}
