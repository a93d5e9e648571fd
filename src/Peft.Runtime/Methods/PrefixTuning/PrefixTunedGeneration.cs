namespace Peft.Models;

/// <summary>Text generation through a prefix-tuned model: the prefix goes into the cache first, then the prompt.</summary>
public static class PrefixTunedGeneration
{
    /// <summary>
    /// Generates after <paramref name="prompt"/> as <see cref="LlamaForCausalLM.Generate"/> does, every layer attending to the
    /// prefix (PEFT's <c>generate</c> of a prefix-tuned model). The cache holds <c>T + prompt + new</c> positions, which must fit
    /// <c>max_position_embeddings</c>.
    /// </summary>
    /// <returns>The generated ids (without the prompt).</returns>
    public static int[] Generate(this PrefixTunedCausalLM<float> model, ReadOnlySpan<int> prompt, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return GenerationLoop.Run(model.BaseModel, prompt, options, model.NumVirtualTokens, (ids, cache) => model.Forward(ids, cache: cache));
    }
}
