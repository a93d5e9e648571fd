namespace Peft;

/// <summary>Prompt tuning (Lester et al., 2021; PEFT's <c>PromptTuningConfig</c>): trainable virtual tokens prepended to the input embeddings.</summary>
public sealed record PromptTuningOptions
{
    /// <summary>How many virtual tokens (<c>num_virtual_tokens</c>); positive.</summary>
    public int NumVirtualTokens { get; init; } = 20;

    /// <summary>How they start (<c>prompt_tuning_init</c>).</summary>
    public PromptTuningInit Init { get; init; } = PromptTuningInit.Random;

    /// <summary>The text whose token embeddings start the prompt with <see cref="PromptTuningInit.Text"/> (<c>prompt_tuning_init_text</c>).</summary>
    public string? InitText { get; init; }

    /// <summary>The tokenizer's name or path, recorded in the saved config (<c>tokenizer_name_or_path</c>).</summary>
    public string? TokenizerNameOrPath { get; init; }

    /// <summary>Seed of the random and sampled initialisations.</summary>
    public int Seed { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field unless the options are usable.</summary>
    internal void Validate(bool hasTokenizer)
    {
        if (NumVirtualTokens <= 0)
        {
            throw new ArgumentException($"Prompt tuning: num_virtual_tokens must be positive, got {NumVirtualTokens}.", nameof(NumVirtualTokens));
        }

        if (!Enum.IsDefined(Init))
        {
            throw new ArgumentException($"Prompt tuning: unknown prompt_tuning_init {(int)Init}.", nameof(Init));
        }

        if (Init == PromptTuningInit.Text && (string.IsNullOrEmpty(InitText) || !hasTokenizer))
        {
            throw new ArgumentException(
                "Prompt tuning: prompt_tuning_init TEXT needs prompt_tuning_init_text and a tokenizer to turn it into token ids.", nameof(InitText));
        }
    }
}
