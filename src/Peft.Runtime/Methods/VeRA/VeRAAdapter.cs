using System.Numerics;
using System.Numerics.Tensors;
using Peft.Generated;
using Peft.IO;

namespace Peft;

/// <summary>
/// VeRA (Kopiczko et al. 2024) on a <see cref="Linear{T}"/>: <c>y = W0·x + λ_b ⊙ (B·(λ_d ⊙ (A·x̃)))</c>, <c>x̃ = dropout(x)</c>,
/// with <c>A = vera_A[:, :in]</c> and <c>B = vera_B[:out, :]</c> sliced from the model's shared frozen
/// <see cref="VeRAProjections"/> and the trained vectors <c>λ_d ∈ R^r</c> (<c>vera_lambda_d</c>, starts at d_initial) and
/// <c>λ_b ∈ R^out</c> (<c>vera_lambda_b</c>, starts at zero). With <c>A' = diag(λ_d)·A</c> and <c>B' = diag(λ_b)·B</c> this is
/// LoRA's product at scale 1, <c>y += B'·(A'·x̃)</c>, so it runs on a LoRA kernel (<see cref="ILoRAKernel{T}"/>). Gradients:
/// <c>dλ_d[k] = Σ_j dA'[k, j]·A[k, j]</c>, <c>dλ_b[o] = Σ_k dB'[o, k]·B[o, k]</c> with LoRA's <c>dA' = (dY·B')ᵀ·x̃</c>,
/// <c>dB' = dYᵀ·(x̃·A'ᵀ)</c>; <c>dx = W0ᵀ·dY + mask ⊙ A'ᵀ·(B'ᵀ·dY)</c>. Merge: <c>W = W0 + B'·A'</c> (PEFT's get_delta_weight).
/// Attach with <see cref="LinearAdapterExtensions.AttachVeRA{T}"/>.
/// </summary>
public sealed class VeRAAdapter<T> : Adapter<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] _parameters;
    private readonly InputDropout<T> _dropout;
    private T[] _aScaled = [];
    private T[] _bScaled = [];
    private T[] _aScaledGradient = [];
    private T[] _bScaledGradient = [];
    private T[] _xa = [];
    private T[] _dyB = [];

    internal VeRAAdapter(Linear<T> layer, string name, VeRAOptions options, ILoRAKernel<T>? kernel)
        : base(layer, name)
    {
        ArgumentNullException.ThrowIfNull(options);
        string context = Context;
        options.Validate(context, layer.InFeatures, layer.OutFeatures);
        Options = options;
        Rank = options.Rank;
        Projections = options.Projections ?? VeRAProjections.Create(Rank, layer.InFeatures, layer.OutFeatures, options.ProjectionPrngKey);
        Kernel = kernel ?? new RuntimeLoRAKernel<T>(Rank);
        if (Kernel.Rank != Rank || (Kernel.InFeatures != 0 && Kernel.InFeatures != layer.InFeatures) || (Kernel.OutFeatures != 0 && Kernel.OutFeatures != layer.OutFeatures))
        {
            throw new ArgumentException(
                $"{context}: the kernel computes rank {Kernel.Rank} on Linear [{Kernel.OutFeatures}, {Kernel.InFeatures}] (0: any), but the adapter needs rank {Rank} on this layer.",
                nameof(kernel));
        }

        LambdaB = RegisterParameter(new Parameter<T>("vera_lambda_b", [layer.OutFeatures], ParameterRole.VeRALambda));
        LambdaD = RegisterParameter(new Parameter<T>("vera_lambda_d", [Rank], ParameterRole.VeRALambda));
        _parameters = [LambdaB, LambdaD];

        // PEFT's reset_vera_parameters: λ_d = d_initial, λ_b = 0 (ΔW = 0 at the start).
        LambdaD.Value.AsSpan().Fill(T.CreateChecked(options.DInitial));
        _dropout = new InputDropout<T>(options.Dropout, unchecked(options.Seed * 7919 + 1));
    }

    /// <summary>The options the adapter was created with.</summary>
    public VeRAOptions Options { get; }

    /// <summary>The rank r.</summary>
    public int Rank { get; }

    /// <summary>The shared frozen projections (the same object on every VeRA layer of the model).</summary>
    public VeRAProjections Projections { get; private set; }

    /// <summary>The output scaling <c>λ_b[out]</c> (PEFT key <c>vera_lambda_b</c>).</summary>
    public Parameter<T> LambdaB { get; }

    /// <summary>The rank scaling <c>λ_d[r]</c> (PEFT key <c>vera_lambda_d</c>).</summary>
    public Parameter<T> LambdaD { get; }

    /// <summary>The kernel computing the low-rank products of <c>A'</c> and <c>B'</c> (runtime or generated).</summary>
    public ILoRAKernel<T> Kernel { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        var x = _dropout.Apply(input, batch, Layer.InFeatures, Layer.IsTraining);
        ScaleFactors();
        LoRAAdapter<T>.Grow(ref _xa, batch * Rank);

        // xa = x̃·A'ᵀ, y += 1·xa·B'ᵀ
        Kernel.Forward(x, _aScaled, _bScaled, T.One, _xa.AsSpan(0, batch * Rank), output, batch, Layer.InFeatures, Layer.OutFeatures);
    }

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int inF = Layer.InFeatures, outF = Layer.OutFeatures, r = Rank;
        if (_xa.Length < batch * r || _aScaled.Length == 0)
        {
            throw new InvalidOperationException($"{Context}: Backward for batch {batch} without a matching Forward.");
        }

        LoRAAdapter<T>.Grow(ref _dyB, batch * r);
        LoRAAdapter<T>.Grow(ref _aScaledGradient, r * inF);
        LoRAAdapter<T>.Grow(ref _bScaledGradient, outF * r);
        var dA = _aScaledGradient.AsSpan(0, r * inF);
        var dB = _bScaledGradient.AsSpan(0, outF * r);
        dA.Clear();
        dB.Clear();
        var x = _dropout.LastInput(input, batch, inF);
        var dx = _dropout.InputGradient(inputGradient, batch, inF);

        // LoRA's backward on A', B' at scale 1: dA' = gᵀ·x̃, dB' = dYᵀ·xa, dX̃ = g·A' (g = dY·B').
        Kernel.Backward(x, outputGradient, _aScaled, _bScaled, _xa.AsSpan(0, batch * r), T.One, _dyB.AsSpan(0, batch * r),
            LambdaD.Trainable ? dA : Span<T>.Empty, LambdaB.Trainable ? dB : Span<T>.Empty, dx, batch, inF, outF);
        _dropout.AddInputGradient(dx, inputGradient, batch, inF);

        // Through the diagonal scalings: dλ_d[k] += Σ_j dA'[k, j]·A[k, j], dλ_b[o] += Σ_k dB'[o, k]·B[o, k].
        T[] a = Projections.A<T>(), b = Projections.B<T>();
        int stride = Projections.MaxInFeatures;
        if (LambdaD.Trainable)
        {
            for (int k = 0; k < r; k++)
            {
                LambdaD.Gradient[k] += TensorPrimitives.Dot<T>(dA.Slice(k * inF, inF), a.AsSpan(k * stride, inF));
            }
        }

        if (LambdaB.Trainable)
        {
            for (int o = 0; o < outF; o++)
            {
                LambdaB.Gradient[o] += TensorPrimitives.Dot<T>(dB.Slice(o * r, r), b.AsSpan(o * r, r));
            }
        }
    }

    /// <inheritdoc />
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        CheckWeightLength(weight.Length);

        // W[out×in] += factor·B'[out×r]·A'[r×in], B' = diag(λ_b)·B, A' = diag(λ_d)·A.
        ScaleFactors();
        Kernel.AddDeltaWeight(_aScaled, _bScaled, T.One, factor, weight, Layer.InFeatures, Layer.OutFeatures);
    }

    /// <summary>PEFT's keys without <c>.weight</c> (the vectors are <c>ParameterDict</c> entries).</summary>
    internal override IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath)
    {
        yield return new(PeftKeys.Prefix + modulePath + ".vera_lambda_b", LambdaB);
        yield return new(PeftKeys.Prefix + modulePath + ".vera_lambda_d", LambdaD);
    }

    /// <summary>With <c>save_projection</c>: <c>base_model.vera_A</c> <c>[r, in_max]</c> and <c>base_model.vera_B</c> <c>[out_max, r]</c>, once per file.</summary>
    internal override IEnumerable<SafetensorsTensor> SharedPeftTensors(SafetensorsDType dtype)
    {
        if (!Options.SaveProjection)
        {
            yield break;
        }

        var p = Projections;
        yield return SafetensorsTensor.FromValues<T>(VeRAPeftFormat.ProjectionAKey, [p.Rank, p.MaxInFeatures], p.A<T>(), dtype);
        yield return SafetensorsTensor.FromValues<T>(VeRAPeftFormat.ProjectionBKey, [p.MaxOutFeatures, p.Rank], p.B<T>(), dtype);
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, PeftAdapterConfigBuilder builder) => builder.AddVeRA(modulePath, Options, Projections);

    /// <summary>Replaces the projections with ones read from a file (checked to cover the layer at this rank).</summary>
    internal void UseProjections(VeRAProjections projections)
    {
        (Options with { Projections = projections }).Validate(Context, Layer.InFeatures, Layer.OutFeatures);
        Projections = projections;
    }

    /// <summary><c>A'[k, j] = λ_d[k]·A[k, j]</c> (<c>[r, in]</c>, A's rows in_max apart) and <c>B'[o, k] = λ_b[o]·B[o, k]</c> (<c>[out, r]</c>).</summary>
    private void ScaleFactors()
    {
        int inF = Layer.InFeatures, outF = Layer.OutFeatures, r = Rank, stride = Projections.MaxInFeatures;
        LoRAAdapter<T>.Grow(ref _aScaled, r * inF);
        LoRAAdapter<T>.Grow(ref _bScaled, outF * r);
        T[] a = Projections.A<T>(), b = Projections.B<T>();
        for (int k = 0; k < r; k++)
        {
            TensorPrimitives.Multiply(a.AsSpan(k * stride, inF), LambdaD.Value[k], _aScaled.AsSpan(k * inF, inF));
        }

        for (int o = 0; o < outF; o++)
        {
            TensorPrimitives.Multiply(b.AsSpan(o * r, r), LambdaB.Value[o], _bScaled.AsSpan(o * r, r));
        }
    }
}
