using System.Numerics;

namespace Peft.Models;

/// <summary>
/// PEFT's <c>PrefixEncoder</c>: the prefix <c>P [T, layers·2·token_dim]</c>, row <c>t</c> holding for layer <c>l</c> its key at
/// <c>[2l·token_dim, (2l+1)·token_dim)</c> and its value after it (PEFT views it as <c>[T, layers·2, kv heads, head dim]</c>).
/// Without a projection <c>P</c> is <c>embedding.weight</c> itself; with one,
/// <c>P = transform(E) = Linear(tanh(Linear(E)))</c> of <c>embedding.weight E [T, token_dim]</c>.
/// </summary>
internal sealed class PrefixEncoder<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _outputGradient = new(0);
    private readonly Tensor<T> _embeddingValues;
    private Tensor<T>? _embeddingGradient;
    private Tensor<T>? _projected;

    /// <param name="virtualTokens">T.</param>
    /// <param name="tokenDim">The key/value width of one layer (kv heads × head dim).</param>
    /// <param name="layers">The attention layers.</param>
    /// <param name="projectionHidden">The projection's hidden width, or null for no projection.</param>
    /// <param name="init">Random or zero.</param>
    /// <param name="random">The source of the initial values.</param>
    public PrefixEncoder(int virtualTokens, int tokenDim, int layers, int? projectionHidden, PrefixTuningInit init, Random random)
    {
        Width = layers * 2 * tokenDim;
        Embedding = RegisterModule("embedding", new Embedding<T>(virtualTokens, projectionHidden is null ? Width : tokenDim, random));
        _embeddingValues = Tensor<T>.Wrap(Embedding.Weight.Value, virtualTokens, Embedding.EmbeddingDim);
        if (projectionHidden is int hidden)
        {
            var last = new Linear<T>(hidden, Width, bias: true, random);
            Transform = RegisterModule("transform", new Sequential<T>(new Linear<T>(tokenDim, hidden, bias: true, random), new Tanh<T>(), last));
            if (init == PrefixTuningInit.Zero)
            {
                Array.Clear(last.Weight.Value);
                Array.Clear(last.Bias!.Value);
            }
        }
        else if (init == PrefixTuningInit.Zero)
        {
            Array.Clear(Embedding.Weight.Value);
        }
    }

    /// <summary><c>embedding</c>: the prefix itself, or the projection's input.</summary>
    public Embedding<T> Embedding { get; }

    /// <summary><c>transform</c>: the two-layer MLP, or null.</summary>
    public Sequential<T>? Transform { get; }

    /// <summary>The prefix row width, <c>layers·2·token_dim</c>.</summary>
    public int Width { get; }

    /// <summary>The virtual positions T.</summary>
    public int Length => Embedding.NumEmbeddings;

    /// <summary>Computes the prefix <c>[T, Width]</c> (owned by the encoder) and where its gradient goes (empty: nothing trains).</summary>
    public (Memory<T> Values, Memory<T> Gradient) Forward()
    {
        if (Transform is null)
        {
            var weight = Embedding.Weight;
            return (weight.Value, weight.Trainable ? weight.Gradient : Memory<T>.Empty);
        }

        _projected = Transform.Forward(_embeddingValues);
        _outputGradient.Reshape(Length, Width);
        _outputGradient.Clear();
        return (_projected.Memory, _outputGradient.Memory);
    }

    /// <summary>Back-propagates the prefix gradient the attention layers added (projection only: the prefix gradient is the embedding's otherwise).</summary>
    public void Backward()
    {
        if (Transform is null)
        {
            return;
        }

        var weight = Embedding.Weight;
        Tensor<T>? inputGradient = null;
        if (weight.Trainable)
        {
            _embeddingGradient ??= Tensor<T>.Wrap(weight.Gradient, Length, Embedding.EmbeddingDim);
            inputGradient = _embeddingGradient;
        }

        Transform.Backward(_outputGradient, inputGradient);
    }
}
