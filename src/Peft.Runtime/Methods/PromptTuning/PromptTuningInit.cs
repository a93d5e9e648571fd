namespace Peft;

/// <summary>How the virtual tokens start (PEFT's <c>PromptTuningInit</c>).</summary>
public enum PromptTuningInit
{
    /// <summary>Standard normal values, as a fresh <c>nn.Embedding</c> (PEFT's <c>RANDOM</c>).</summary>
    Random,

    /// <summary>The embeddings of <see cref="PromptTuningOptions.InitText"/>'s tokens, repeated or cut to length (<c>TEXT</c>).</summary>
    Text,

    /// <summary>The embeddings of tokens drawn uniformly from the vocabulary (<c>SAMPLE_VOCAB</c>).</summary>
    SampleVocab,
}
