using System.Numerics;
using Peft.Generated;
using Peft.IO;

namespace Peft;

/// <summary>
/// IA³ (Liu et al. 2022) on a <see cref="Linear{T}"/>, as PEFT's <c>ia3.Linear</c>. On the output (default):
/// <c>y = l ⊙ (W0·x + b)</c>, <c>l ∈ R^out</c>; gradients <c>dl = Σ_rows dY ⊙ (W0·x + b)</c>, and the base (weight, bias,
/// <c>dX = W0ᵀ·(l ⊙ dY)</c>) sees <c>l ⊙ dY</c>. Feed-forward (<see cref="IA3Options.FeedForward"/>): <c>y = W0·(l ⊙ x) + b</c>,
/// <c>l ∈ R^in</c>; the base product reads <c>x̃ = l ⊙ x</c>, and with <c>dX̃ = W0ᵀ·dY</c>: <c>dl = Σ_rows dX̃ ⊙ x</c>,
/// <c>dX = l ⊙ dX̃</c>. Merge (PEFT): <c>W ← W ⊙ l</c> by rows (and <c>b ← b ⊙ l</c>) or by columns (feed-forward);
/// unmerge divides (PEFT adds 1e-8 to l first; here the division is exact and a zero in l refuses to unmerge).
/// Attach with <see cref="LinearAdapterExtensions.AttachIA3{T}"/>.
/// </summary>
public sealed class IA3Adapter<T> : Adapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private T[] _saved = [];
    private T[] _scaled = [];
    private T[] _inputGradient = [];

    internal IA3Adapter(Linear<T> layer, string name, IA3Options options, IIA3Kernel<T>? kernel)
        : base(layer, name)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Width = options.FeedForward ? layer.InFeatures : layer.OutFeatures;
        Kernel = kernel ?? new RuntimeIA3Kernel<T>();
        if (Kernel.Width != 0 && Kernel.Width != Width)
        {
            throw new ArgumentException(
                $"{Context}: the kernel is specialized for width {Kernel.Width}, but IA³ on the {(options.FeedForward ? "input" : "output")} of this layer scales {Width} values.",
                nameof(kernel));
        }

        // PEFT's ia3_l: [out, 1] on the output, [1, in] on the input of a feed-forward layer; init_ia3_weights: ones.
        Scale = RegisterParameter(new Parameter<T>("ia3_l", options.FeedForward ? [1, Width] : [Width, 1], ParameterRole.IA3Scale));
        Scale.Value.AsSpan().Fill(T.One);
        _parameters = [Scale];
    }

    /// <summary>The options the adapter was created with.</summary>
    public IA3Options Options { get; }

    /// <summary>How many values <see cref="Scale"/> holds: out, or in for a feed-forward layer.</summary>
    public int Width { get; }

    /// <summary>The scaling vector <c>l</c> (PEFT key <c>ia3_l</c>, <c>[out, 1]</c> or <c>[1, in]</c>).</summary>
    public Parameter<T> Scale { get; }

    /// <summary>The kernel running the scaling loops (runtime or generated).</summary>
    public IIA3Kernel<T> Kernel { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <summary>Whether <c>b</c> is inside what <c>l</c> scales (on the output): the bias then gets <c>l ⊙ dY</c>.</summary>
    internal override bool ScalesBias => !Options.FeedForward;

    /// <summary>On the output: keeps <c>z = W0·x + b</c> (in <paramref name="output"/>) for the gradient of l, then <c>y = l ⊙ z</c>.</summary>
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        if (Options.FeedForward)
        {
            return; // the base product already read l ⊙ x (BaseInput)
        }

        int n = batch * Width;
        LoRAAdapter<T>.Grow(ref _saved, n);
        output.CopyTo(_saved);
        Kernel.Scale(output, Scale.Value, output, batch, Width);
    }

    /// <summary><c>x̃ = l ⊙ x</c> on a feed-forward layer (the base product reads it), else <paramref name="input"/>.</summary>
    internal override ReadOnlySpan<T> BaseInput(ReadOnlySpan<T> input, int batch)
    {
        if (!Options.FeedForward)
        {
            return input;
        }

        LoRAAdapter<T>.Grow(ref _scaled, batch * Width);
        var scaled = _scaled.AsSpan(0, batch * Width);
        Kernel.Scale(input, Scale.Value, scaled, batch, Width);
        return scaled;
    }

    /// <summary>On the output: <c>l ⊙ dY</c> reaches the base product and the bias.</summary>
    internal override ReadOnlySpan<T> BaseOutputGradient(ReadOnlySpan<T> outputGradient, int batch)
    {
        if (Options.FeedForward)
        {
            return outputGradient;
        }

        LoRAAdapter<T>.Grow(ref _scaled, batch * Width);
        var scaled = _scaled.AsSpan(0, batch * Width);
        Kernel.Scale(outputGradient, Scale.Value, scaled, batch, Width);
        return scaled;
    }

    /// <summary>On a feed-forward layer the layer writes <c>dX̃ = W0ᵀ·dY</c> here, and <see cref="Backward"/> forms <c>dX = l ⊙ dX̃</c>.</summary>
    internal override Span<T> BaseInputGradient(int batch)
    {
        if (!Options.FeedForward)
        {
            return Span<T>.Empty;
        }

        LoRAAdapter<T>.Grow(ref _inputGradient, batch * Width);
        return _inputGradient.AsSpan(0, batch * Width);
    }

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int n = batch * Width;
        if (Options.FeedForward)
        {
            // dl += Σ_rows x ⊙ dX̃, dX += l ⊙ dX̃
            var dxScaled = _inputGradient.AsSpan(0, n);
            if (Scale.Trainable)
            {
                Kernel.AccumulateGradient(input, dxScaled, Scale.Gradient, batch, Width);
            }

            if (!inputGradient.IsEmpty)
            {
                Kernel.ScaleAdd(dxScaled, Scale.Value, inputGradient, batch, Width);
            }

            return;
        }

        if (_saved.Length < n)
        {
            throw new InvalidOperationException($"{Context}: Backward for batch {batch} without a matching Forward.");
        }

        // dl += Σ_rows dY ⊙ (W0·x + b); the base's part of dX already went through l ⊙ dY.
        if (Scale.Trainable)
        {
            Kernel.AccumulateGradient(_saved.AsSpan(0, n), outputGradient, Scale.Gradient, batch, Width);
        }
    }

    /// <summary><c>ΔW = W0 ⊙ (l − 1)</c> by rows (output) or columns (feed-forward), <c>W0</c> the layer's current weight.</summary>
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        CheckWeightLength(weight.Length);
        int inF = Layer.InFeatures, outF = Layer.OutFeatures;
        T[] w0 = Layer.Weight.Value;
        for (int o = 0; o < outF; o++)
        {
            for (int i = 0; i < inF; i++)
            {
                T l = Scale.Value[Options.FeedForward ? i : o];
                weight[o * inF + i] += factor * (l - T.One) * w0[o * inF + i];
            }
        }
    }

    /// <summary><c>Δb = b ⊙ (l − 1)</c> on the output (PEFT's merge scales the bias too); none on a feed-forward layer.</summary>
    internal override void AddDeltaBias(Span<T> bias, T factor)
    {
        if (Options.FeedForward || Layer.Bias is null)
        {
            return;
        }

        for (int o = 0; o < Layer.OutFeatures; o++)
        {
            bias[o] += factor * (Scale.Value[o] - T.One) * Layer.Bias.Value[o];
        }
    }

    /// <summary>PEFT's merge: <c>W ← W ⊙ l</c> (rows, or columns on a feed-forward layer), <c>b ← b ⊙ l</c> on the output.</summary>
    protected internal override void MergeInto(Span<T> weight) => Rescale(weight, divide: false);

    /// <summary>PEFT's unmerge: divides by l (exactly; a zero in l cannot be undone and is refused).</summary>
    protected internal override void UnmergeFrom(Span<T> weight)
    {
        int zero = Scale.Value.AsSpan().IndexOf(T.Zero);
        if (zero >= 0)
        {
            throw new InvalidOperationException(
                $"{Context}: ia3_l[{zero}] is 0, so the merged weight lost what it scaled; unmerging cannot restore it (PEFT divides by 1e-8 there).");
        }

        Rescale(weight, divide: true);
    }

    /// <summary>PEFT's key without <c>.weight</c> (<c>ia3_l</c> is a ParameterDict entry).</summary>
    internal override IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath)
    {
        yield return new(PeftKeys.Prefix + modulePath + "." + IA3PeftFormat.ScaleName, Scale);
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, PeftAdapterConfigBuilder builder) => builder.AddIA3(modulePath, Options);

    private void Rescale(Span<T> weight, bool divide)
    {
        int inF = Layer.InFeatures, outF = Layer.OutFeatures;
        for (int o = 0; o < outF; o++)
        {
            for (int i = 0; i < inF; i++)
            {
                T l = Scale.Value[Options.FeedForward ? i : o];
                weight[o * inF + i] = divide ? weight[o * inF + i] / l : weight[o * inF + i] * l;
            }
        }

        if (!Options.FeedForward && Layer.Bias is { } bias)
        {
            for (int o = 0; o < outF; o++)
            {
                bias.Value[o] = divide ? bias.Value[o] / Scale.Value[o] : bias.Value[o] * Scale.Value[o];
            }
        }
    }
}
