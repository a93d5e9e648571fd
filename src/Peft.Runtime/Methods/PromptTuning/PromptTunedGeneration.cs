namespace Peft.Models;

/// <summary>Text generation through a prompt-tuned model: the virtual tokens go first, into the cache, then the prompt.</summary>
public static class PromptTunedGeneration
{
    /// <summary>
    /// Generates after <paramref name="prompt"/> as <see cref="LlamaForCausalLM.Generate"/> does, with the virtual tokens
    /// prepended on the first pass (PEFT's <c>generate</c> of a prompt-tuned model). The cache holds
    /// <c>T + prompt + new</c> positions, which must fit <c>max_position_embeddings</c>.
    /// </summary>
    /// <returns>The generated ids (without the prompt).</returns>
    public static int[] Generate(this PromptTunedCausalLM<float> model, ReadOnlySpan<int> prompt, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return GenerationLoop.Run(model.BaseModel, prompt, options, model.NumVirtualTokens, (ids, cache) => model.Forward(ids, cache: cache));
    }
}
