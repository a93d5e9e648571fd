using System.Numerics;
using System.Numerics.Tensors;
using Peft.Models;

namespace Peft.Training;

/// <summary>
/// Next-token prediction for a Llama-family model: the logits of <see cref="Batch.Tokens"/> <c>[B, S]</c>
/// through <see cref="LlamaForCausalLM{T}"/>, and <see cref="CausalLMLoss{T}"/> against <see cref="Batch.Labels"/>
/// <c>[B, S]</c> (label <c>s + 1</c> predicted from position <c>s</c>, −100 ignored). The loss is the mean over
/// the counted positions, which <see cref="BatchLoss.Count"/> reports, so the <see cref="Trainer"/> averages
/// evaluation losses per token. Use it with <see cref="TextDataset"/>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> for training, <see cref="double"/> for gradient checks.</typeparam>
public sealed class CausalLMObjective<T> : ITrainingObjective
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly LlamaForCausalLM<T> _model;
    private readonly CausalLMLoss<T> _loss = new();
    private bool _prepared;

    /// <summary>Creates the objective over <paramref name="model"/>.</summary>
    public CausalLMObjective(LlamaForCausalLM<T> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The batch has no tokens (a dataset of features, not text).</exception>
    public BatchLoss Forward(Batch batch, bool training)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Tokens.Rank != 2 || batch.Tokens.Length == 0)
        {
            throw new InvalidOperationException(
                $"CausalLMObjective: the batch's Tokens are {batch.Tokens.ShapeText()}; a causal language model needs token ids [batch, sequence] (a TextDataset).");
        }

        var logits = _model.Forward(batch.Tokens);
        double loss = _loss.Forward(logits, batch.Labels);
        _prepared = training;
        return new BatchLoss(loss, -1, _loss.CountedPositions);
    }

    /// <inheritdoc />
    public void Backward(float scale)
    {
        if (!_prepared)
        {
            throw new InvalidOperationException("CausalLMObjective: Backward needs a preceding training Forward.");
        }

        _prepared = false;

        // dL/dlogits = (softmax(z) − onehot(label)) / N at counted positions, times the accumulation scale.
        var gradient = _loss.Backward();
        if (scale != 1f)
        {
            TensorPrimitives.Multiply(gradient.Span, T.CreateTruncating(scale), gradient.Span);
        }

        _model.Backward(gradient);
    }
}
