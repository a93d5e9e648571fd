namespace Peft.Training;

/// <summary>
/// A loss over a model's output: returns the mean loss of the batch and, when <paramref name="outputGradient"/>
/// is not empty, overwrites it with <c>∂loss/∂output</c> (same length as the output).
/// </summary>
/// <param name="output">The model's output for <paramref name="batch"/>.</param>
/// <param name="batch">The batch (labels, targets).</param>
/// <param name="outputGradient">Empty during evaluation, else the gradient destination.</param>
public delegate double LossFunction(Tensor<float> output, Batch batch, Span<float> outputGradient);
