namespace Peft.Training;

/// <summary>
/// One mini-batch, filled by a <see cref="TrainingData"/>: the tensors are owned by the batch and reshaped
/// (never shrunk) for every fill, so steady-state training allocates nothing. A dataset fills the fields it
/// has and leaves the others at shape <c>[0]</c>.
/// </summary>
public sealed class Batch
{
    /// <summary>The number of examples in the batch.</summary>
    public int Size { get; internal set; }

    /// <summary>Dense input features <c>[batch, features]</c> (in-memory arrays and CSV).</summary>
    public Tensor<float> Inputs { get; } = new(0);

    /// <summary>Class labels <c>[batch]</c>, or token labels <c>[batch, sequence]</c> with −100 at padding (JSONL text).</summary>
    public Tensor<int> Labels { get; } = new(0);

    /// <summary>Dense regression targets <c>[batch, targets]</c>, for a user-supplied loss.</summary>
    public Tensor<float> Targets { get; } = new(0);

    /// <summary>Token ids <c>[batch, sequence]</c> (JSONL text).</summary>
    public Tensor<int> Tokens { get; } = new(0);
}
