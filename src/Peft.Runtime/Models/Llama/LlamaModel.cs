using System.Numerics;

namespace Peft.Models;

/// <summary>
/// transformers' <c>LlamaModel</c>, the decoder stack under the path <c>model</c>: <c>embed_tokens</c>,
/// <c>layers.N</c>, <c>norm</c>. Returns the final normalised hidden states.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class LlamaModel<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Creates the stack for <paramref name="config"/>, initialised from <paramref name="random"/>.</summary>
    public LlamaModel(LlamaConfig config, Random random)
    {
        ArgumentNullException.ThrowIfNull(config);
        EmbedTokens = RegisterModule("embed_tokens", new Embedding<T>(config.VocabSize, config.HiddenSize, random));
        Rope = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.RopeScaling);
        Layers = RegisterModule("layers", new ModuleList<LlamaDecoderLayer<T>>());
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            Layers.Add(new LlamaDecoderLayer<T>(config, Rope, i, random));
        }

        Norm = RegisterModule("norm", new RMSNorm<T>(config.HiddenSize, config.RmsNormEps));
    }

    /// <summary><c>embed_tokens</c>, <c>[vocab, hidden]</c>.</summary>
    [ModuleName("embed_tokens")]
    public Embedding<T> EmbedTokens { get; }

    /// <summary>The rotary embedding every layer shares.</summary>
    public RotaryEmbedding Rope { get; }

    /// <summary><c>layers</c>.</summary>
    [ModuleName("layers")]
    public ModuleList<LlamaDecoderLayer<T>> Layers { get; }

    /// <summary><c>norm</c>, the final RMSNorm.</summary>
    [ModuleName("norm")]
    public RMSNorm<T> Norm { get; }

    /// <summary>The final hidden states <c>[B, S, hidden]</c> of <paramref name="ids"/>, owned by <see cref="Norm"/>.</summary>
    public Tensor<T> Forward(Tensor<int> ids, AttentionMask? mask, KeyValueCache<T>? cache)
        => ForwardEmbeddings(EmbedTokens.Forward(ids), mask, cache);

    /// <summary>
    /// The final hidden states of input embeddings <c>[B, S, hidden]</c> (transformers' <c>inputs_embeds</c>):
    /// the decoder layers and the norm without the token lookup. Prompt tuning prepends its virtual tokens here.
    /// </summary>
    public Tensor<T> ForwardEmbeddings(Tensor<T> embeddings, AttentionMask? mask, KeyValueCache<T>? cache)
    {
        var hidden = embeddings;
        for (int i = 0; i < Layers.Count; i++)
        {
            hidden = Layers[i].Forward(hidden, mask, cache);
        }

        return Norm.Forward(hidden);
    }

    /// <summary>Back-propagates <c>dL/d(final hidden states)</c> through every layer into the embedding.</summary>
    public void Backward(Tensor<T> outputGradient) => EmbedTokens.Backward(BackwardToEmbeddings(outputGradient));

    /// <summary>Back-propagates <c>dL/d(final hidden states)</c> through every layer and returns <c>dL/d(input embeddings)</c>
    /// <c>[B, S, hidden]</c> (owned by the first layer).</summary>
    public Tensor<T> BackwardToEmbeddings(Tensor<T> outputGradient)
    {
        var gradient = Norm.Backward(outputGradient);
        for (int i = Layers.Count - 1; i >= 0; i--)
        {
            gradient = Layers[i].Backward(gradient);
        }

        return gradient;
    }
}
