using System.Numerics;

namespace Peft.Models;

/// <summary>
/// Prefix tuning of a causal language model, as PEFT's <c>PeftModelForCausalLM</c> with a <c>PrefixTuningConfig</c>: the base
/// model is frozen and every attention layer attends to <see cref="NumVirtualTokens"/> trainable key/value positions before
/// the tokens (the tokens sit at positions <c>T + s</c>, as transformers places them after a cache of length T).
/// <see cref="Forward"/> returns the logits of the real tokens only. Without a projection this is P-tuning v2.
/// Save with <see cref="Save"/>, load with <see cref="FromPretrained"/>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class PrefixTunedCausalLM<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly AttentionPrefix<T>[] _prefixes;
    private readonly Tensor<int> _maskValues = new(1, 1);
    private readonly AttentionMask _mask;
    private bool _lastForwardTrainable;

    /// <summary>Wraps <paramref name="model"/>, freezes all its parameters and creates the prefix.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message names the field.</exception>
    public PrefixTunedCausalLM(LlamaForCausalLM<T> model, PrefixTuningOptions options)
        : this(model, options, project: options?.PrefixProjection ?? false)
    {
    }

    /// <summary>A prefix with or without the projection (a loaded prefix is always the flat one, as PEFT loads it).</summary>
    internal PrefixTunedCausalLM(LlamaForCausalLM<T> model, PrefixTuningOptions options, bool project)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        BaseModel = RegisterModule("base_model", model);
        foreach (var (_, parameter) in model.NamedParameters())
        {
            parameter.Trainable = false;
        }

        var config = model.Config;
        TokenDim = config.NumKeyValueHeads * config.HeadDim;
        Encoder = RegisterModule("prompt_encoder", new PrefixEncoder<T>(
            options.NumVirtualTokens, TokenDim, config.NumHiddenLayers, project ? options.EncoderHiddenSize ?? TokenDim : null, options.Init, new Random(options.Seed)));
        _prefixes = new AttentionPrefix<T>[config.NumHiddenLayers];
        for (int l = 0; l < _prefixes.Length; l++)
        {
            _prefixes[l] = new AttentionPrefix<T>(options.NumVirtualTokens, Encoder.Width, 2 * l * TokenDim, (2 * l + 1) * TokenDim, TokenDim);
        }

        _mask = new AttentionMask(_maskValues);
    }

    /// <summary>The frozen base model.</summary>
    public LlamaForCausalLM<T> BaseModel { get; }

    /// <summary>The options the prefix was made with (a loaded prefix: as its config gives them).</summary>
    public PrefixTuningOptions Options { get; }

    /// <summary>How many virtual positions each layer attends to.</summary>
    public int NumVirtualTokens => Options.NumVirtualTokens;

    /// <summary>The key/value width of one layer, <c>kv heads × head dim</c> (PEFT's <c>token_dim</c> for grouped-query models).</summary>
    public int TokenDim { get; }

    /// <summary>Whether the prefix is computed by the projection MLP (false for a loaded prefix: the file holds its output).</summary>
    public bool IsProjected => Encoder.Transform is not null;

    internal PrefixEncoder<T> Encoder { get; }

    /// <summary>
    /// The logits <c>[B, S, vocab]</c> of <paramref name="ids"/> <c>[B, S]</c> after the prefix, owned by the model. With a
    /// <paramref name="cache"/>, the first call (empty cache) puts the prefix into it and later calls continue after it.
    /// </summary>
    /// <param name="ids">Token ids <c>[B, S]</c>.</param>
    /// <param name="mask">Optional padding mask <c>[B, S]</c> over the real tokens (the prefix always counts); not with a cache.</param>
    /// <param name="cache">A key/value cache for generation, sized for <c>T + </c> the tokens.</param>
    /// <exception cref="ArgumentException">Shapes that do not fit, a mask with a cache, or more than <c>max_position_embeddings</c> positions.</exception>
    public Tensor<T> Forward(Tensor<int> ids, AttentionMask? mask = null, KeyValueCache<T>? cache = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        _lastForwardTrainable = false;
        if (cache is { Length: > 0 })
        {
            return BaseModel.Forward(ids, mask, cache);
        }

        if (ids.Rank != 2 || ids.Size(1) == 0 || NumVirtualTokens + ids.Size(1) > BaseModel.Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"Prefix tuning: ids are {ids.ShapeText()}; expected [batch, sequence] with 1 to {BaseModel.Config.MaxPositionEmbeddings - NumVirtualTokens} tokens " +
                $"({NumVirtualTokens} virtual positions come first).", nameof(ids));
        }

        var (values, gradient) = Encoder.Forward();
        var layers = BaseModel.Model.Layers;
        for (int l = 0; l < _prefixes.Length; l++)
        {
            _prefixes[l].Bind(values, gradient);
        }

        if (cache is not null)
        {
            if (mask is not null)
            {
                throw new ArgumentException("Prefix tuning: no mask with a cache.", nameof(mask));
            }

            for (int l = 0; l < _prefixes.Length; l++)
            {
                cache.Prefill(l, _prefixes[l]);
            }

            return BaseModel.Forward(ids, null, cache);
        }

        try
        {
            for (int l = 0; l < _prefixes.Length; l++)
            {
                layers[l].SelfAttention.Core.Prefix = _prefixes[l];
            }

            var logits = BaseModel.Forward(ids, PrefixMask(mask, ids.Size(0), ids.Size(1)));
            _lastForwardTrainable = true;
            return logits;
        }
        finally
        {
            for (int l = 0; l < _prefixes.Length; l++)
            {
                layers[l].SelfAttention.Core.Prefix = null;
            }
        }
    }

    /// <summary>Back-propagates <c>dL/dlogits</c> <c>[B, S, vocab]</c> of the latest <see cref="Forward"/> into the prefix's parameters.</summary>
    /// <exception cref="InvalidOperationException">The latest forward pass used a cache, or there was none.</exception>
    public void Backward(Tensor<T> logitsGradient)
    {
        ArgumentNullException.ThrowIfNull(logitsGradient);
        if (!_lastForwardTrainable)
        {
            throw new InvalidOperationException("Prefix tuning: Backward needs a preceding Forward without a cache.");
        }

        BaseModel.Backward(logitsGradient);
        Encoder.Backward();
    }

    /// <summary>
    /// The prefix <c>[T, layers·2·token_dim]</c> as PEFT saves it (<c>prompt_embeddings</c>): the projection's output, or the
    /// trained prefix itself. A new array.
    /// </summary>
    public T[] PrefixValues() => Encoder.Forward().Values.ToArray();

    /// <summary>Writes <c>adapter_config.json</c> (<c>peft_type</c> PREFIX_TUNING) and <c>adapter_model.safetensors</c>
    /// (<c>prompt_embeddings</c>, the prefix <c>[T, layers·2·token_dim]</c>) into <paramref name="directory"/>, each atomically.</summary>
    public void Save(string directory) => PrefixTuningPeftFormat.Save(this, directory);

    /// <summary>
    /// Loads a prefix saved by PEFT or <see cref="Save"/> onto <paramref name="model"/>. As PEFT's <c>from_pretrained</c>, the
    /// prefix is frozen unless <paramref name="isTrainable"/>; a projected prefix cannot train on (the file holds the
    /// projection's output, not the MLP), which PEFT refuses too.
    /// </summary>
    /// <exception cref="InvalidDataException">The folder is not a prefix-tuning adapter for this model (the message names the file and field).</exception>
    public static PrefixTunedCausalLM<T> FromPretrained(LlamaForCausalLM<T> model, string directory, bool isTrainable = false)
        => PrefixTuningPeftFormat.Load(model, directory, isTrainable);

    /// <summary>Whether <paramref name="directory"/> holds a PEFT adapter whose <c>peft_type</c> is PREFIX_TUNING.</summary>
    public static bool IsPrefixTuningAdapter(string directory) => PrefixTuningPeftFormat.IsPrefixTuning(directory);

    private AttentionMask? PrefixMask(AttentionMask? mask, int batch, int sequence)
    {
        if (mask is null)
        {
            return null;
        }

        if (!mask.Values.HasShape([batch, sequence]))
        {
            throw new ArgumentException($"Prefix tuning: the mask is {mask.Values.ShapeText()}; expected [{batch}, {sequence}] over the real tokens.", nameof(mask));
        }

        // PEFT: attention_mask = [ones(B, T), mask].
        _maskValues.Reshape(batch, NumVirtualTokens + sequence);
        RowPrefix.Write(mask.Values, _maskValues, NumVirtualTokens, 1);

        return _mask;
    }
}
