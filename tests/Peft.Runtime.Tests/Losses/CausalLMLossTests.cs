using Peft.Tests.Testing;

namespace Peft.Tests.Losses;

public sealed class CausalLMLossTests
{
    private const int Batch = 2, Sequence = 5, Vocabulary = 7;

    private static readonly int[] Labels = [3, 1, -100, 6, 0, -100, 2, 2, 5, -100];

    /// <summary>Plain loops: logits[b, s] predicts labels[b, s + 1]; −100 is skipped; mean over counted positions.</summary>
    private static double Reference(double[] logits, int[] labels)
    {
        double total = 0;
        int counted = 0;
        for (int b = 0; b < Batch; b++)
        {
            for (int s = 0; s + 1 < Sequence; s++)
            {
                int target = labels[b * Sequence + s + 1];
                if (target == -100)
                {
                    continue;
                }

                var row = logits.AsSpan((b * Sequence + s) * Vocabulary, Vocabulary).ToArray();
                double logSumExp = Math.Log(row.Sum(Math.Exp));
                total += logSumExp - row[target];
                counted++;
            }
        }

        return total / counted;
    }

    [Fact]
    public void Loss_matches_a_plain_loop_and_its_gradient_finite_differences()
    {
        var logits = FiniteDifference.Random(Batch * Sequence * Vocabulary, seed: 1, scale: 3);
        var z = Tensor<double>.Wrap(logits, Batch, Sequence, Vocabulary);
        var labels = Tensor<int>.Wrap(Labels, Batch, Sequence);
        var loss = new CausalLMLoss<double>();
        Assert.Equal(Reference(logits, Labels), loss.Forward(z, labels), 1e-12);
        Assert.Equal(6, loss.CountedPositions); // row 0: 1, 6, 0; row 1: 2, 2, 5

        var gradient = loss.Backward().ToArray();
        FiniteDifference.CheckInPlace(logits, () => loss.Forward(z, labels), gradient, "dLogits");
        Assert.All(gradient.AsSpan((Sequence - 1) * Vocabulary, Vocabulary).ToArray(), g => Assert.Equal(0.0, g)); // the last position predicts nothing
    }

    [Fact]
    public void Rows_split_over_the_pool_match_a_plain_loop()
    {
        const int batch = 3, sequence = 40, vocabulary = 3000;
        var random = new Random(5);
        var logits = FiniteDifference.Random(batch * sequence * vocabulary, seed: 6, scale: 4);
        var labels = Enumerable.Range(0, batch * sequence).Select(i => i % 7 == 3 ? -100 : random.Next(vocabulary)).ToArray();
        var loss = new CausalLMLoss<double>();
        double value = loss.Forward(Tensor<double>.Wrap(logits, batch, sequence, vocabulary), Tensor<int>.Wrap(labels, batch, sequence));
        var gradient = loss.Backward().Span;
        double total = 0;
        int counted = 0;
        for (int row = 0; row < batch * sequence; row++)
        {
            var z = logits.AsSpan(row * vocabulary, vocabulary).ToArray();
            bool isCounted = row % sequence != sequence - 1 && labels[row + 1] != -100;
            double logSumExp = Math.Log(z.Sum(Math.Exp));
            if (isCounted)
            {
                total += logSumExp - z[labels[row + 1]];
                counted++;
            }

            for (int v = 0; v < vocabulary; v += 97)
            {
                double expected = isCounted ? Math.Exp(z[v] - logSumExp) - (v == labels[row + 1] ? 1 : 0) : 0;
                Assert.Equal(expected, gradient[row * vocabulary + v] * loss.CountedPositions, 1e-12);
            }
        }

        Assert.Equal(counted, loss.CountedPositions);
        Assert.Equal(total / counted, value, 1e-12);
    }

    [Fact]
    public void An_all_ignored_batch_has_loss_zero_and_a_zero_gradient()
    {
        var z = Tensor<float>.Wrap(Enumerable.Range(0, 2 * 3 * 4).Select(i => (float)i).ToArray(), 2, 3, 4);
        var loss = new CausalLMLoss<float>();
        // Only the first position of each row has a label, and position 0 is never a target.
        Assert.Equal(0.0, loss.Forward(z, Tensor<int>.Wrap([1, -100, -100, 2, -100, -100], 2, 3)));
        Assert.Equal(0, loss.CountedPositions);
        Assert.All(loss.Backward().ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Bad_labels_and_logits_name_the_position()
    {
        var loss = new CausalLMLoss<float>();
        var z = new Tensor<float>(2, 3, 4);
        var ex = Assert.Throws<ArgumentException>(() => loss.Forward(z, Tensor<int>.Wrap([0, 1, 2, 3, 4, 1], 2, 3)));
        Assert.Contains("label 4 at [batch 1, position 1] is neither -100 nor in [0, 4)", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => loss.Forward(z, Tensor<int>.Wrap([0, 1, 2, 3], 2, 2)));
        Assert.Contains("logits are [2, 3, 4] and labels [2, 2]", ex.Message);
        z.Span[(1 * 3 + 0) * 4 + 2] = float.NaN;
        ex = Assert.Throws<ArgumentException>(() => loss.Forward(z, Tensor<int>.Wrap([0, 1, 2, 3, 0, 1], 2, 3)));
        Assert.Contains("logits[batch 1, position 0, vocabulary 2] is NaN", ex.Message);
        Assert.Throws<InvalidOperationException>(() => new CausalLMLoss<float>().Backward());
    }
}
