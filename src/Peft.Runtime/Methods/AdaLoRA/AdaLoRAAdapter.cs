using System.Numerics;
using System.Numerics.Tensors;
using Peft.IO;
using Peft.Training;

namespace Peft;

/// <summary>
/// AdaLoRA (Zhang et al., ICLR 2023) on a <see cref="Linear{T}"/>, as Hugging Face PEFT's <c>SVDLinear</c> computes it:
/// <code>
///   y = W0·x + c·B·((E ⊙ A)·x̃),   c = α/(r + 10⁻⁵),   x̃ = dropout(x)
/// </code>
/// with <c>A ∈ R^{r×in}</c> (<c>lora_A</c>), <c>E ∈ R^{r×1}</c> (<c>lora_E</c>, scaling row k of A) and
/// <c>B ∈ R^{out×r}</c> (<c>lora_B</c>); r is the initial rank (PEFT's <c>ranknum</c>, which masking does not change).
/// The low-rank products are LoRA's with <c>Ã = E ⊙ A</c> in A's place (runtime or generated kernel); with
/// <c>dÃ = c·(dY·B)ᵀ·x̃</c> from the kernel, <c>dA[k, :] = E[k]·dÃ[k, :]</c> and <c>dE[k] = Σ_i A[k, i]·dÃ[k, i]</c>.
/// Merge: <c>W = W0 + c·B·(E ⊙ A)</c>. Init as PEFT: A, B ~ N(0, 0.02²), E = 0 (the adapter starts as the identity).
/// The rank budget (importance scores, masks of E, the orthogonal regularizer) is the <see cref="AdaLoRARankAllocator"/>'s,
/// which a <see cref="Trainer"/> runs at every step. Attach with <see cref="LinearAdapterExtensions.AttachAdaLoRA{T}"/>.
/// </summary>
public sealed class AdaLoRAAdapter<T> : LoRAAdapter<T>, IAdaLoRAAdapter, ITrainingStepHookSource
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>PEFT's <c>nn.init.normal_(…, std=0.02)</c> for A and B.</summary>
    private const double InitStd = 0.02;

    private readonly Parameter<T>[] _parameters;
    private readonly T[] _productA;
    private readonly T[] _productAGradient;
    private readonly AdaLoRAImportance<T> _importance;

    internal AdaLoRAAdapter(Linear<T> layer, string name, AdaLoRAOptions options, ILoRAKernel<T>? kernel)
        : base(layer, name, options, kernel, checkRankLimit: true)
    {
        Options = options;
        E = RegisterParameter(new Parameter<T>("lora_E", [Rank, 1], ParameterRole.AdaLoRAE));
        _parameters = [A, E, B];
        _productA = new T[A.Length];
        _productAGradient = new T[A.Length];
        _importance = new AdaLoRAImportance<T>(A, E, B);

        // PEFT's reset_lora_parameters: E = 0, A and B from N(0, 0.02²).
        var random = new Random(options.Seed);
        for (int i = 0; i < A.Length; i++)
        {
            A.Value[i] = T.CreateChecked(InitStd * NormalSample.Next(random));
        }

        for (int i = 0; i < B.Length; i++)
        {
            B.Value[i] = T.CreateChecked(InitStd * NormalSample.Next(random));
        }
    }

    /// <summary>The options the adapter was created with.</summary>
    public new AdaLoRAOptions Options { get; }

    /// <summary>The singular values <c>E[r, 1]</c> (PEFT key <c>lora_E</c>), zero at creation; the allocator masks them.</summary>
    public Parameter<T> E { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter<T>> AdapterParameters => _parameters;

    /// <summary>
    /// Which of the r triplets the latest allocation kept (PEFT's <c>rank_pattern</c> of this module), or empty while no
    /// allocation has run (and none was loaded): every triplet is then in use.
    /// </summary>
    public ReadOnlySpan<bool> RankPattern => _importance.HasPattern ? _importance.Keep : ReadOnlySpan<bool>.Empty;

    /// <summary>The triplets in use: <see cref="LoRAAdapter{T}.Rank"/> before any allocation, then the kept ones.</summary>
    public int CurrentRank => _importance.HasPattern ? _importance.KeptCount : Rank;

    /// <summary><c>Ã = E ⊙ A</c>, refreshed by every forward pass and merge.</summary>
    private protected override ReadOnlySpan<T> ProductA => _productA;

    /// <summary>The kernel's <c>dÃ</c> goes to a scratch that <see cref="Backward"/> splits into dA and dE.</summary>
    private protected override Span<T> ProductAGradient => _productAGradient;

    IAdaLoRAState IAdaLoRAAdapter.State => _importance;

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        ScaleRows();
        base.Forward(input, output, batch);
    }

    /// <inheritdoc />
    public override void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        int inF = Layer.InFeatures;
        Array.Clear(_productAGradient);
        base.Backward(input, outputGradient, inputGradient, batch);

        // Ã[k, :] = E[k]·A[k, :]  ⇒  dA[k, :] += E[k]·dÃ[k, :],  dE[k] += ⟨A[k, :], dÃ[k, :]⟩.
        for (int k = 0; k < Rank; k++)
        {
            var rowGradient = _productAGradient.AsSpan(k * inF, inF);
            if (A.Trainable)
            {
                var target = A.Gradient.AsSpan(k * inF, inF);
                TensorPrimitives.MultiplyAdd(rowGradient, E.Value[k], target, target);
            }

            if (E.Trainable)
            {
                E.Gradient[k] += TensorPrimitives.Dot<T>(A.Value.AsSpan(k * inF, inF), rowGradient);
            }
        }
    }

    /// <summary><c>weight += factor·c·B·(E ⊙ A)</c> through the kernel.</summary>
    protected internal override void AddDeltaWeight(Span<T> weight, T factor)
    {
        ScaleRows();
        base.AddDeltaWeight(weight, factor);
    }

    /// <summary>PEFT's AdaLoRA keys (<c>ParameterDict</c>s, no <c>.weight</c>): <c>lora_A</c>, <c>lora_B</c>, <c>lora_E</c>.</summary>
    internal override IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath)
    {
        string prefix = PeftKeys.Prefix + modulePath + ".";
        yield return new(prefix + AdaLoRAPeftFormat.ASuffix, A);
        yield return new(prefix + AdaLoRAPeftFormat.BSuffix, B);
        yield return new(prefix + AdaLoRAPeftFormat.ESuffix, E);
    }

    /// <summary>
    /// The tensors cut to the kept triplets when a rank pattern exists (PEFT's <c>resize_state_dict_by_rank_pattern</c>):
    /// A's and E's kept rows, B's kept columns — empty when the budget dropped every triplet of the module.
    /// </summary>
    internal override IEnumerable<SafetensorsTensor> PeftFileTensors(string modulePath, SafetensorsDType dtype)
    {
        if (!_importance.HasPattern || _importance.KeptCount == Rank)
        {
            foreach (var tensor in base.PeftFileTensors(modulePath, dtype))
            {
                yield return tensor;
            }

            yield break;
        }

        string prefix = PeftKeys.Prefix + modulePath + ".";
        int inF = Layer.InFeatures, outF = Layer.OutFeatures, kept = _importance.KeptCount;
        var keep = _importance.Keep.ToArray();
        T[] a = new T[kept * inF], e = new T[kept], b = new T[outF * kept];
        int row = 0;
        for (int k = 0; k < Rank; k++)
        {
            if (!keep[k])
            {
                continue;
            }

            A.Value.AsSpan(k * inF, inF).CopyTo(a.AsSpan(row * inF, inF));
            e[row] = E.Value[k];
            for (int o = 0; o < outF; o++)
            {
                b[o * kept + row] = B.Value[o * Rank + k];
            }

            row++;
        }

        yield return SafetensorsTensor.FromValues<T>(prefix + AdaLoRAPeftFormat.ASuffix, [kept, inF], a, dtype);
        yield return SafetensorsTensor.FromValues<T>(prefix + AdaLoRAPeftFormat.BSuffix, [outF, kept], b, dtype);
        yield return SafetensorsTensor.FromValues<T>(prefix + AdaLoRAPeftFormat.ESuffix, [kept, 1], e, dtype);
    }

    /// <inheritdoc />
    internal override void AddPeftConfig(string modulePath, PeftAdapterConfigBuilder builder) =>
        builder.AddAdaLoRA(modulePath, Options, _importance.HasPattern ? _importance.Keep.ToArray() : null);

    /// <summary>Sets the kept triplets (a loaded <c>rank_pattern</c>) and zeroes E where a triplet is dropped.</summary>
    internal void SetRankPattern(ReadOnlySpan<bool> keep)
    {
        _importance.SetPattern(keep);
        _importance.MaskByPattern();
    }

    object ITrainingStepHookSource.StepHookKey => (nameof(AdaLoRAAdapter<T>), Name);

    ITrainingStepHook? ITrainingStepHookSource.CreateStepHook(Module model) =>
        E.Trainable || A.Trainable || B.Trainable ? AdaLoRARankAllocator.For(model, Name) : null;

    /// <summary><c>Ã[k, :] = E[k]·A[k, :]</c>.</summary>
    private void ScaleRows()
    {
        int inF = Layer.InFeatures;
        for (int k = 0; k < Rank; k++)
        {
            TensorPrimitives.Multiply(A.Value.AsSpan(k * inF, inF), E.Value[k], _productA.AsSpan(k * inF, inF));
        }
    }
}
