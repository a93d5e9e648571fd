namespace Peft;

/// <summary>
/// Which key positions a batch row may attend to, as transformers' <c>attention_mask</c>: an int tensor
/// <c>[B, S_total]</c> (<c>S_total</c> = cached tokens + new tokens) of 1 (a real token) or 0 (padding).
/// The causal rule is applied on top of it. The tensor is read at every forward pass, so refilling it
/// between steps needs no new mask.
/// </summary>
public sealed class AttentionMask
{
    /// <summary>Wraps <paramref name="values"/>, a rank-2 tensor of 0/1.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is not rank 2.</exception>
    public AttentionMask(Tensor<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Rank != 2)
        {
            throw new ArgumentException($"AttentionMask: values are {values.ShapeText()}, expected [batch, total length].", nameof(values));
        }

        Values = values;
    }

    /// <summary>The mask, <c>[B, S_total]</c>, 1 = attend, 0 = padding.</summary>
    public Tensor<int> Values { get; }
}
