using System.Numerics;

namespace Peft.Models;

/// <summary>
/// A Llama-family causal language model (Llama, Mistral, Qwen2) in precision <typeparamref name="T"/>, with
/// transformers' module paths (<c>model.embed_tokens</c>, <c>model.layers.N.self_attn.q_proj</c>, …,
/// <c>model.norm</c>, <c>lm_head</c>) so that checkpoints and PEFT adapters load by name. Forward returns the
/// logits; <see cref="Backward"/> back-propagates through every layer with no code of yours (the buffers are
/// owned by the modules and reused, so steady-state training steps allocate nothing).
/// <see cref="LlamaForCausalLM"/> is the single-precision model that loads Hugging Face folders and generates.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/> (double for gradient checks).</typeparam>
public class LlamaForCausalLM<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>
    /// Creates a randomly initialised model for <paramref name="config"/> as transformers' <c>_init_weights</c> does:
    /// linear and embedding weights N(0, initializer_range²), biases 0, norm weights 1.
    /// </summary>
    /// <param name="config">The architecture; validated here.</param>
    /// <param name="seed">The seed of the initial values.</param>
    /// <exception cref="InvalidDataException">The config is invalid; the message names the field.</exception>
    public LlamaForCausalLM(LlamaConfig config, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        var random = new Random(seed);
        Model = RegisterModule("model", new LlamaModel<T>(config, random));

        // Tied embeddings: lm_head's [vocab, hidden] weight is the embedding table itself (one parameter).
        LmHead = RegisterModule("lm_head", config.TieWordEmbeddings
            ? new Linear<T>(Model.EmbedTokens.Weight)
            : new Linear<T>(config.HiddenSize, config.VocabSize, bias: false, random));
        InitializeWeights(random);
    }

    /// <summary>The architecture.</summary>
    public LlamaConfig Config { get; }

    /// <summary><c>model</c>: the embedding, the decoder layers and the final norm.</summary>
    [ModuleName("model")]
    public LlamaModel<T> Model { get; }

    /// <summary><c>lm_head</c>, hidden → vocab (sharing the embedding table when <see cref="LlamaConfig.TieWordEmbeddings"/>).</summary>
    [ModuleName("lm_head")]
    public Linear<T> LmHead { get; }

    /// <summary>
    /// The logits <c>[B, S, vocab]</c> of <paramref name="ids"/> <c>[B, S]</c>, owned by the model (overwritten by
    /// the next call). With a <paramref name="cache"/> the ids continue the cached tokens and are appended to it.
    /// </summary>
    /// <param name="ids">Token ids <c>[B, S]</c>, each in <c>[0, vocab_size)</c>.</param>
    /// <param name="mask">Optional padding mask <c>[B, cached + S]</c> (1 = token, 0 = padding), as transformers' <c>attention_mask</c>.</param>
    /// <param name="cache">Keys and values of earlier tokens (generation); <see cref="CreateCache"/> makes one.</param>
    /// <exception cref="ArgumentException">The ids are not <c>[B, S]</c>, an id is outside the vocabulary (the message names
    /// it and its position), or the sequence would exceed <c>max_position_embeddings</c>.</exception>
    public Tensor<T> Forward(Tensor<int> ids, AttentionMask? mask = null, KeyValueCache<T>? cache = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Rank != 2 || ids.Size(1) == 0)
        {
            throw new ArgumentException($"{Describe()}: ids are {ids.ShapeText()}; expected [batch, sequence] with a sequence of at least one token.", nameof(ids));
        }

        CheckLength(ids.Size(1), cache, nameof(ids));
        return LmHead.Forward(Model.Forward(ids, mask, cache));
    }

    /// <summary>
    /// The logits <c>[B, S, vocab]</c> of input embeddings <c>[B, S, hidden]</c> (transformers' <c>inputs_embeds</c>),
    /// owned by the model; <see cref="BackwardToEmbeddings"/> returns their gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The embeddings are not <c>[B, S, hidden]</c>, or the sequence would exceed <c>max_position_embeddings</c>.</exception>
    public Tensor<T> ForwardEmbeddings(Tensor<T> embeddings, AttentionMask? mask = null, KeyValueCache<T>? cache = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Rank != 3 || embeddings.Size(1) == 0 || embeddings.Width != Config.HiddenSize)
        {
            throw new ArgumentException(
                $"{Describe()}: input embeddings are {embeddings.ShapeText()}; expected [batch, sequence, hidden_size = {Config.HiddenSize}].", nameof(embeddings));
        }

        CheckLength(embeddings.Size(1), cache, nameof(embeddings));
        return LmHead.Forward(Model.ForwardEmbeddings(embeddings, mask, cache));
    }

    /// <summary>
    /// Back-propagates <c>dL/dlogits</c> <c>[B, S, vocab]</c> of the latest <see cref="Forward"/> (without a cache):
    /// accumulates the gradient of every trainable parameter (adapters included).
    /// </summary>
    /// <exception cref="InvalidOperationException">The latest forward pass used a cache, or there was none.</exception>
    public void Backward(Tensor<T> logitsGradient)
    {
        ArgumentNullException.ThrowIfNull(logitsGradient);
        Model.Backward(LmHead.Backward(logitsGradient));
    }

    /// <summary>
    /// Back-propagates <c>dL/dlogits</c> of the latest <see cref="ForwardEmbeddings"/> and returns <c>dL/d(input embeddings)</c>
    /// <c>[B, S, hidden]</c> (owned by the model), accumulating every trainable parameter's gradient on the way.
    /// </summary>
    public Tensor<T> BackwardToEmbeddings(Tensor<T> logitsGradient)
    {
        ArgumentNullException.ThrowIfNull(logitsGradient);
        return Model.BackwardToEmbeddings(LmHead.Backward(logitsGradient));
    }

    /// <summary>An empty key/value cache for <paramref name="batch"/> rows of up to <paramref name="maxLength"/> tokens.</summary>
    /// <exception cref="ArgumentException"><paramref name="maxLength"/> exceeds <c>max_position_embeddings</c>, or a size is not positive.</exception>
    public KeyValueCache<T> CreateCache(int batch, int maxLength)
    {
        if (maxLength > Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"{Describe()}: a cache of {maxLength} tokens exceeds max_position_embeddings = {Config.MaxPositionEmbeddings}.", nameof(maxLength));
        }

        return new KeyValueCache<T>(Config.NumHiddenLayers, batch, maxLength, Config.NumKeyValueHeads, Config.HeadDim);
    }

    private void CheckLength(int tokens, KeyValueCache<T>? cache, string parameter)
    {
        int past = cache?.Length ?? 0;
        if (past + tokens > Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"{Describe()}: {past} cached + {tokens} new tokens exceed max_position_embeddings = {Config.MaxPositionEmbeddings}.", parameter);
        }
    }

    private void InitializeWeights(Random random)
    {
        foreach (var (_, parameter) in NamedParameters<T>())
        {
            var values = parameter.Value;
            switch (parameter.Role)
            {
                case ParameterRole.Weight or ParameterRole.EmbeddingWeight:
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = T.CreateTruncating(Config.InitializerRange * NormalSample.Next(random));
                    }

                    break;
                case ParameterRole.Bias:
                    Array.Clear(values);
                    break;
            }
        }
    }

    private string Describe() => $"{GetType().Name.Split('`')[0]} ({Config.ModelType})";
}
