namespace Peft.Models;

/// <summary>
/// The decoding loop every causal model shares: check the lengths, run the prompt into a fresh key/value cache,
/// then sample one token at a time until a stop token or the limit.
/// </summary>
internal static class GenerationLoop
{
    /// <summary>One forward pass of a model with a cache: the logits of <c>ids</c> <c>[1, S]</c>, last row the next token's.</summary>
    public delegate Tensor<float> CachedForward(Tensor<int> ids, KeyValueCache<float> cache);

    /// <param name="model">The model that owns the cache shape and the config (vocabulary, positions, stop ids).</param>
    /// <param name="prompt">The prompt's ids.</param>
    /// <param name="options">Length, sampling and stop tokens.</param>
    /// <param name="prefixLength">Positions the forward pass adds before the prompt (prompt tuning's virtual tokens).</param>
    /// <param name="forward">The forward pass; its first call sees the empty cache.</param>
    public static int[] Run(LlamaForCausalLM<float> model, ReadOnlySpan<int> prompt, GenerationOptions? options, int prefixLength, CachedForward forward)
    {
        options ??= new GenerationOptions();
        var sampler = new TokenSampler(options);
        if (prompt.IsEmpty)
        {
            throw new ArgumentException("Generate: the prompt is empty.", nameof(prompt));
        }

        int total = prefixLength + prompt.Length + options.MaxNewTokens;
        if (total > model.Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"Generate: {(prefixLength > 0 ? $"{prefixLength} virtual + " : "")}{prompt.Length} prompt + {options.MaxNewTokens} new tokens exceed max_position_embeddings = {model.Config.MaxPositionEmbeddings}.",
                nameof(options));
        }

        var stop = options.StopTokenIds ?? model.Config.EosTokenIds;
        var generated = new List<int>(options.MaxNewTokens);
        if (options.MaxNewTokens == 0)
        {
            return [];
        }

        var cache = model.CreateCache(1, total);
        var logits = forward(Tensor<int>.Wrap(prompt.ToArray(), 1, prompt.Length), cache);
        var next = new Tensor<int>(1, 1);
        while (true)
        {
            int vocab = logits.Width;
            int token = sampler.Next(logits.Span.Slice(logits.Length - vocab, vocab));
            generated.Add(token);
            if (generated.Count == options.MaxNewTokens || stop.Contains(token))
            {
                return [.. generated];
            }

            next.Span[0] = token;
            logits = forward(next, cache);
        }
    }
}
