namespace Peft;

/// <summary>How a prefix starts (PEFT's <c>init_weights</c> of <c>PrefixTuningConfig</c>).</summary>
public enum PrefixTuningInit
{
    /// <summary><c>init_weights = None</c>: the embedding N(0, 1) (PyTorch's <c>nn.Embedding</c>), the projection Kaiming-uniform.</summary>
    Random,

    /// <summary><c>init_weights = "zero"</c>: the prefix starts at zero (the embedding, or the projection's last layer and bias).</summary>
    Zero,
}
