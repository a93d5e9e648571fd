using System.Numerics;

namespace Peft.Models;

/// <summary>
/// Prompt tuning of a causal language model, as PEFT's <c>PeftModelForCausalLM</c> with a
/// <c>PromptTuningConfig</c>: the base model is frozen and <see cref="NumVirtualTokens"/> trainable embeddings
/// <c>P [T, hidden]</c> are prepended to every row's token embeddings, <c>inputs_embeds = [P; E(ids)]</c>.
/// <see cref="Forward"/> returns the logits of all <c>T + S</c> positions, as PEFT does (give the virtual
/// positions the label −100: <see cref="PrefixLabels"/>). Save with <see cref="Save"/>, load with <see cref="FromPretrained"/>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class PromptTunedCausalLM<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _inputs = new(0);
    private readonly Tensor<T> _tokenGradient = new(0);
    private readonly Tensor<int> _maskValues = new(1, 1);
    private readonly AttentionMask _mask;
    private bool _lastForwardPrepended;

    /// <summary>Wraps <paramref name="model"/>, freezes all its parameters and creates the virtual tokens.</summary>
    /// <param name="model">The base model; its parameters are frozen.</param>
    /// <param name="options">Number of virtual tokens and their initialisation.</param>
    /// <param name="tokenize">Turns <see cref="PromptTuningOptions.InitText"/> into token ids (needed for <see cref="PromptTuningInit.Text"/>),
    /// for example <c>text => tokenizer.Encode(text)</c>.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message names the field), or a token id is outside the vocabulary.</exception>
    public PromptTunedCausalLM(LlamaForCausalLM<T> model, PromptTuningOptions options, Func<string, IReadOnlyList<int>>? tokenize = null)
        : this(model, options, tokenize, initialize: true)
    {
    }

    /// <summary>A loaded prompt: its values come from a file, so no initialisation (nor a tokenizer) is needed.</summary>
    internal PromptTunedCausalLM(LlamaForCausalLM<T> model, PromptTuningOptions options, Func<string, IReadOnlyList<int>>? tokenize, bool initialize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(hasTokenizer: tokenize is not null || !initialize);
        Options = options;
        BaseModel = RegisterModule("base_model", model);
        foreach (var (_, parameter) in model.NamedParameters())
        {
            parameter.Trainable = false;
        }

        PromptEmbeddings = RegisterParameter(new Parameter<T>(
            "prompt_embeddings", [options.NumVirtualTokens, model.Config.HiddenSize], ParameterRole.EmbeddingWeight));
        if (initialize)
        {
            Initialize(options, tokenize);
        }

        _mask = new AttentionMask(_maskValues);
    }

    /// <summary>The frozen base model.</summary>
    public LlamaForCausalLM<T> BaseModel { get; }

    /// <summary>The virtual tokens <c>[T, hidden]</c> (PEFT's file key <c>prompt_embeddings</c>).</summary>
    public Parameter<T> PromptEmbeddings { get; }

    /// <summary>The options the prompt was made with (a loaded prompt: as its config gives them).</summary>
    public PromptTuningOptions Options { get; }

    /// <summary>How many virtual tokens are prepended.</summary>
    public int NumVirtualTokens => PromptEmbeddings.Shape[0];

    /// <summary>
    /// The logits <c>[B, T + S, vocab]</c> of the virtual tokens followed by <paramref name="ids"/> <c>[B, S]</c>, owned by the model.
    /// With a <paramref name="cache"/>, the first call (empty cache) prepends the prompt and later calls continue after it.
    /// </summary>
    /// <param name="ids">Token ids <c>[B, S]</c>.</param>
    /// <param name="mask">Optional padding mask <c>[B, S]</c> over the real tokens (the virtual ones always count); not with a cache.</param>
    /// <param name="cache">A key/value cache for generation, sized for <c>T + </c> the tokens to generate.</param>
    /// <exception cref="ArgumentException">Shapes that do not fit, or a mask with a cache.</exception>
    public Tensor<T> Forward(Tensor<int> ids, AttentionMask? mask = null, KeyValueCache<T>? cache = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (cache is { Length: > 0 })
        {
            _lastForwardPrepended = false;
            return BaseModel.Forward(ids, mask, cache);
        }

        if (ids.Rank != 2 || ids.Size(1) == 0)
        {
            throw new ArgumentException($"Prompt tuning: ids are {ids.ShapeText()}; expected [batch, sequence] with at least one token.", nameof(ids));
        }

        int batch = ids.Size(0), sequence = ids.Size(1), virtualTokens = NumVirtualTokens, hidden = PromptEmbeddings.Shape[1];
        var embeddings = BaseModel.Model.EmbedTokens.Forward(ids);

        // inputs_embeds[b] = [P; E(ids[b])]
        _inputs.Reshape(batch, virtualTokens + sequence, hidden);
        var prompt = PromptEmbeddings.Value.AsSpan();
        for (int row = 0; row < batch; row++)
        {
            var target = _inputs.Span.Slice(row * (virtualTokens + sequence) * hidden, (virtualTokens + sequence) * hidden);
            prompt.CopyTo(target);
            embeddings.Span.Slice(row * sequence * hidden, sequence * hidden).CopyTo(target[prompt.Length..]);
        }

        _lastForwardPrepended = true;
        return BaseModel.ForwardEmbeddings(_inputs, PrefixMask(mask, batch, sequence, cache), cache);
    }

    /// <summary>
    /// Back-propagates <c>dL/dlogits</c> <c>[B, T + S, vocab]</c> of the latest <see cref="Forward"/>: the virtual tokens'
    /// gradient is the sum over the batch of the input-embedding gradient at the first <c>T</c> positions.
    /// </summary>
    /// <exception cref="InvalidOperationException">The latest forward pass continued a cache.</exception>
    public void Backward(Tensor<T> logitsGradient)
    {
        ArgumentNullException.ThrowIfNull(logitsGradient);
        if (!_lastForwardPrepended)
        {
            throw new InvalidOperationException("Prompt tuning: Backward needs a preceding Forward without a filled cache.");
        }

        var inputGradient = BaseModel.BackwardToEmbeddings(logitsGradient);
        int batch = inputGradient.Size(0), total = inputGradient.Size(1), hidden = inputGradient.Width;
        int virtualTokens = NumVirtualTokens, sequence = total - virtualTokens;
        _tokenGradient.Reshape(batch, sequence, hidden);
        var promptGradient = PromptEmbeddings.Trainable ? PromptEmbeddings.Gradient.AsSpan() : [];
        for (int row = 0; row < batch; row++)
        {
            var source = inputGradient.Span.Slice(row * total * hidden, total * hidden);
            if (!promptGradient.IsEmpty)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(promptGradient, source[..(virtualTokens * hidden)], promptGradient);
            }

            source[(virtualTokens * hidden)..].CopyTo(_tokenGradient.Span.Slice(row * sequence * hidden, sequence * hidden));
        }

        BaseModel.Model.EmbedTokens.Backward(_tokenGradient);
    }

    /// <summary>Labels <c>[B, S]</c> for the real tokens, prefixed with −100 (ignored) for the virtual ones: <c>[B, T + S]</c>.</summary>
    public Tensor<int> PrefixLabels(Tensor<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var prefixed = new Tensor<int>(labels.Size(0), NumVirtualTokens + labels.Size(1));
        RowPrefix.Write(labels, prefixed, NumVirtualTokens, CausalLMLoss<T>.IgnoreIndex);
        return prefixed;
    }

    /// <summary>Writes <c>adapter_config.json</c> (<c>peft_type</c> PROMPT_TUNING) and <c>adapter_model.safetensors</c>
    /// (<c>prompt_embeddings</c>, float32) into <paramref name="directory"/>, each atomically.</summary>
    public void Save(string directory) => PromptTuningPeftFormat.Save(this, directory);

    /// <summary>
    /// Loads a prompt saved by PEFT or <see cref="Save"/> onto <paramref name="model"/>. As PEFT's <c>from_pretrained</c>,
    /// the prompt is frozen unless <paramref name="isTrainable"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The folder is not a prompt-tuning adapter for this model (the message names the file and field).</exception>
    public static PromptTunedCausalLM<T> FromPretrained(LlamaForCausalLM<T> model, string directory, bool isTrainable = false)
        => PromptTuningPeftFormat.Load(model, directory, isTrainable);

    /// <summary>Whether <paramref name="directory"/> holds a PEFT adapter whose <c>peft_type</c> is PROMPT_TUNING.</summary>
    public static bool IsPromptTuningAdapter(string directory) => PromptTuningPeftFormat.IsPromptTuning(directory);

    private AttentionMask? PrefixMask(AttentionMask? mask, int batch, int sequence, KeyValueCache<T>? cache)
    {
        if (mask is null)
        {
            return null;
        }

        if (cache is not null || !mask.Values.HasShape([batch, sequence]))
        {
            throw new ArgumentException(
                $"Prompt tuning: the mask is {mask.Values.ShapeText()}; expected [{batch}, {sequence}] over the real tokens, and no mask with a cache.", nameof(mask));
        }

        _maskValues.Reshape(batch, NumVirtualTokens + sequence);
        RowPrefix.Write(mask.Values, _maskValues, NumVirtualTokens, 1);
        return _mask;
    }

    private void Initialize(PromptTuningOptions options, Func<string, IReadOnlyList<int>>? tokenize)
    {
        var random = new Random(options.Seed);
        var prompt = PromptEmbeddings.Value;
        int virtualTokens = options.NumVirtualTokens, vocabulary = BaseModel.Config.VocabSize;
        switch (options.Init)
        {
            case PromptTuningInit.Random:
                for (int i = 0; i < prompt.Length; i++)
                {
                    prompt[i] = T.CreateTruncating(NormalSample.Next(random));
                }

                break;
            case PromptTuningInit.SampleVocab:
                CopyTokenRows(Enumerable.Range(0, virtualTokens).Select(_ => random.Next(vocabulary)).ToArray());
                break;
            case PromptTuningInit.Text:
                // PEFT: the text's ids cut to T, or repeated ⌈T / n⌉ times and cut.
                var ids = tokenize!(options.InitText!);
                if (ids.Count == 0)
                {
                    throw new ArgumentException("Prompt tuning: prompt_tuning_init_text produced no tokens.", nameof(options));
                }

                CopyTokenRows(Enumerable.Range(0, virtualTokens).Select(i => ids[i % ids.Count]).ToArray());
                break;
        }
    }

    private void CopyTokenRows(int[] ids)
    {
        var table = BaseModel.Model.EmbedTokens.Weight.Value.AsSpan();
        int hidden = PromptEmbeddings.Shape[1], vocabulary = BaseModel.Config.VocabSize;
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocabulary)
            {
                throw new ArgumentException($"Prompt tuning: init token id {ids[i]} (virtual token {i}) is outside the vocabulary of {vocabulary}.");
            }

            table.Slice(ids[i] * hidden, hidden).CopyTo(PromptEmbeddings.Value.AsSpan(i * hidden, hidden));
        }
    }
}
