using System.Numerics.Tensors;

namespace Peft.Training;

/// <summary>
/// A model that maps <see cref="Batch.Inputs"/> to an output through <see cref="ILayer{T}"/>, with a loss
/// over that output: softmax cross-entropy against <see cref="Batch.Labels"/> (classification, with
/// accuracy = argmax of the logits) or a <see cref="LossFunction"/> of your own.
/// </summary>
public sealed class LayerObjective : ITrainingObjective
{
    private readonly ILayer<float> _model;
    private readonly LossFunction? _loss;
    private readonly Tensor<float> _outputGradient = new(0);
    private bool _prepared;

    /// <summary>Creates the objective; without <paramref name="loss"/> it is softmax cross-entropy over logits.</summary>
    public LayerObjective(ILayer<float> model, LossFunction? loss = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _loss = loss;
    }

    /// <inheritdoc />
    public BatchLoss Forward(Batch batch, bool training)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Inputs.Length == 0)
        {
            throw new InvalidOperationException(
                "LayerObjective: the batch has no Inputs; this dataset (for example JSONL text) needs an objective that reads Batch.Tokens.");
        }

        var output = _model.Forward(batch.Inputs);
        _prepared = training;
        Span<float> gradient = Span<float>.Empty;
        if (training)
        {
            _outputGradient.Reshape(output.Shape);
            gradient = _outputGradient.Span;
        }

        if (_loss is not null)
        {
            return new BatchLoss(_loss(output, batch, gradient), -1, batch.Size);
        }

        if (batch.Labels.Length != batch.Size || output.Rows != batch.Size)
        {
            throw new InvalidOperationException(
                $"LayerObjective (softmax cross-entropy): the model output is {output.ShapeText()} and the labels {batch.Labels.ShapeText()} " +
                $"for a batch of {batch.Size}; classification needs logits [batch, classes] and one label per example.");
        }

        double loss = SoftmaxCrossEntropy.Compute<float>(output.Span, batch.Labels.Span, gradient);
        return new BatchLoss(loss, CountCorrect(output, batch.Labels.Span), batch.Size);
    }

    /// <inheritdoc />
    public void Backward(float scale)
    {
        if (!_prepared)
        {
            throw new InvalidOperationException("LayerObjective: Backward needs a preceding training Forward.");
        }

        _prepared = false;
        if (scale != 1f)
        {
            TensorPrimitives.Multiply(_outputGradient.Span, scale, _outputGradient.Span);
        }

        _model.Backward(_outputGradient, null);
    }

    // Rows whose largest logit (first on ties) is at the label.
    private static int CountCorrect(Tensor<float> logits, ReadOnlySpan<int> labels)
    {
        int classes = logits.Width;
        int correct = 0;
        for (int row = 0; row < labels.Length; row++)
        {
            if (TensorPrimitives.IndexOfMax(logits.Span.Slice(row * classes, classes)) == labels[row])
            {
                correct++;
            }
        }

        return correct;
    }
}
