namespace Peft.Training;

/// <summary>
/// What the <see cref="Trainer"/> minimizes: runs the model on a batch and back-propagates the loss.
/// <see cref="LayerObjective"/> covers any <see cref="ILayer{T}"/> model with a loss over its output
/// (softmax cross-entropy for classification, or your own); implement this interface for models with
/// another input, for example a causal language model over <see cref="Batch.Tokens"/>.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>
    /// Runs the model on <paramref name="batch"/> and returns its mean loss and, for classifiers, how
    /// many examples it got right. With <paramref name="training"/> it also prepares <see cref="Backward"/>.
    /// </summary>
    BatchLoss Forward(Batch batch, bool training);

    /// <summary>Back-propagates <c>scale · ∂loss/∂output</c> of the latest training <see cref="Forward"/>, accumulating parameter gradients.</summary>
    void Backward(float scale);
}

/// <summary>The result of <see cref="ITrainingObjective.Forward"/>.</summary>
/// <param name="Loss">The mean loss over the batch.</param>
/// <param name="Correct">Examples predicted right, or −1 when the objective has no accuracy.</param>
/// <param name="Count">Examples (or, for token losses, counted positions) the mean is over.</param>
public readonly record struct BatchLoss(double Loss, int Correct, int Count);
