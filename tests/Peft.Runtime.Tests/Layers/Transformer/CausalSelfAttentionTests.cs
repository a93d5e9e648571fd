using Peft.Tests.Testing;

namespace Peft.Tests.Layers.Transformer;

public sealed class CausalSelfAttentionTests
{
    private const int Batch = 2, Sequence = 6, Heads = 4, KvHeads = 2, HeadDim = 4;

    // Row 0 is left-padded by two tokens; row 1 is right-padded by one.
    private static readonly int[] PaddingMask = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0];

    /// <summary>Plain loops: positions as the mask implies, rotated q/k, causal + padding softmax, P·v.</summary>
    private static double[] Reference(double[] q, double[] k, double[] v, int[]? mask, RotaryEmbedding rope)
    {
        int qw = Heads * HeadDim, kw = KvHeads * HeadDim;
        var output = new double[Batch * Sequence * qw];
        for (int b = 0; b < Batch; b++)
        {
            var positions = new int[Sequence];
            int real = 0;
            for (int t = 0; t < Sequence; t++)
            {
                int flag = mask?[b * Sequence + t] ?? 1;
                real += flag;
                positions[t] = flag == 1 ? real - 1 : 1;
            }

            for (int h = 0; h < Heads; h++)
            {
                int g = h / (Heads / KvHeads);
                for (int i = 0; i < Sequence; i++)
                {
                    var qi = new double[HeadDim];
                    rope.Rotate<double>(q.AsSpan((b * Sequence + i) * qw + h * HeadDim, HeadDim), positions[i], qi);
                    var scores = new double[Sequence];
                    var allowed = new bool[Sequence];
                    for (int j = 0; j <= i; j++)
                    {
                        allowed[j] = (mask?[b * Sequence + j] ?? 1) == 1;
                        var kj = new double[HeadDim];
                        rope.Rotate<double>(k.AsSpan((b * Sequence + j) * kw + g * HeadDim, HeadDim), positions[j], kj);
                        scores[j] = FiniteDifference.Dot(qi, kj) / Math.Sqrt(HeadDim);
                    }

                    if (!allowed.Any(a => a))
                    {
                        continue; // no visible key: zeros
                    }

                    double max = Enumerable.Range(0, Sequence).Where(j => allowed[j]).Max(j => scores[j]);
                    var p = Enumerable.Range(0, Sequence).Select(j => allowed[j] ? Math.Exp(scores[j] - max) : 0).ToArray();
                    double sum = p.Sum();
                    for (int j = 0; j < Sequence; j++)
                    {
                        for (int e = 0; e < HeadDim; e++)
                        {
                            output[(b * Sequence + i) * qw + h * HeadDim + e] += p[j] / sum * v[(b * Sequence + j) * kw + g * HeadDim + e];
                        }
                    }
                }
            }
        }

        return output;
    }

    public static TheoryData<bool> WithMask => [false, true];

    [Theory]
    [MemberData(nameof(WithMask))]
    public void Forward_matches_plain_loops(bool withMask)
    {
        var rope = new RotaryEmbedding(HeadDim, 10000);
        var attention = new CausalSelfAttention<double>(Heads, KvHeads, HeadDim, rope);
        var (q, k, v) = Inputs();
        var mask = withMask ? new AttentionMask(Tensor<int>.Wrap(PaddingMask, Batch, Sequence)) : null;
        var y = attention.Forward(Wrap(q, Heads), Wrap(k, KvHeads), Wrap(v, KvHeads), mask).ToArray();
        var expected = Reference(q, k, v, withMask ? PaddingMask : null, rope);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.Equal(expected[i], y[i], 1e-12);
        }
    }

    [Theory]
    [MemberData(nameof(WithMask))]
    public void Gradients_of_q_k_and_v_match_finite_differences(bool withMask)
    {
        var attention = new CausalSelfAttention<double>(Heads, KvHeads, HeadDim, new RotaryEmbedding(HeadDim, 10000));
        var (q, k, v) = Inputs();
        Tensor<double> query = Wrap(q, Heads), key = Wrap(k, KvHeads), value = Wrap(v, KvHeads);
        var mask = withMask ? new AttentionMask(Tensor<int>.Wrap(PaddingMask, Batch, Sequence)) : null;
        var weights = FiniteDifference.Random(q.Length, seed: 9);
        double Loss() => FiniteDifference.Dot(weights, attention.Forward(query, key, value, mask).Span);

        attention.Forward(query, key, value, mask);
        var dq = Wrap(new double[q.Length], Heads);
        var dk = Wrap(new double[k.Length], KvHeads);
        var dv = Wrap(Enumerable.Repeat(0.5, v.Length).ToArray(), KvHeads); // Backward adds to it
        attention.Backward(Wrap(weights, Heads), dq, dk, dv);
        FiniteDifference.CheckInPlace(q, Loss, dq.ToArray(), "dQuery");
        FiniteDifference.CheckInPlace(k, Loss, dk.ToArray(), "dKey");
        FiniteDifference.CheckInPlace(v, Loss, dv.ToArray().Select(x => x - 0.5).ToArray(), "dValue");
    }

    [Fact]
    public void Long_sequences_cross_query_blocks_and_still_match_finite_differences()
    {
        const int s = 37; // more than one block of 32 query rows
        var attention = new CausalSelfAttention<double>(2, 1, 4, new RotaryEmbedding(4, 10000));
        var q = FiniteDifference.Random(s * 8, seed: 1);
        var k = FiniteDifference.Random(s * 4, seed: 2);
        var v = FiniteDifference.Random(s * 4, seed: 3);
        Tensor<double> query = Tensor<double>.Wrap(q, 1, s, 8), key = Tensor<double>.Wrap(k, 1, s, 4), value = Tensor<double>.Wrap(v, 1, s, 4);
        var weights = FiniteDifference.Random(q.Length, seed: 4);
        double Loss() => FiniteDifference.Dot(weights, attention.Forward(query, key, value).Span);
        attention.Forward(query, key, value);
        Tensor<double> dq = new(1, s, 8), dk = new(1, s, 4), dv = new(1, s, 4);
        attention.Backward(Tensor<double>.Wrap(weights, 1, s, 8), dq, dk, dv);
        FiniteDifference.CheckInPlace(q, Loss, dq.ToArray(), "dQuery");
        FiniteDifference.CheckInPlace(k, Loss, dk.ToArray(), "dKey");
        FiniteDifference.CheckInPlace(v, Loss, dv.ToArray(), "dValue");
    }

    [Theory]
    [MemberData(nameof(WithMask))]
    public void Token_by_token_with_the_cache_equals_one_call(bool withMask)
    {
        var rope = new RotaryEmbedding(HeadDim, 10000);
        var attention = new CausalSelfAttention<float>(Heads, KvHeads, HeadDim, rope, layerIndex: 1);
        var (q, k, v) = Inputs();
        var mask = withMask ? new AttentionMask(Tensor<int>.Wrap(PaddingMask, Batch, Sequence)) : null;
        var full = attention.Forward(Single(q, Sequence, Heads), Single(k, Sequence, KvHeads), Single(v, Sequence, KvHeads), mask).ToArray();

        var cache = new KeyValueCache<float>(layers: 2, Batch, maxLength: 8, KvHeads, HeadDim);
        int qw = Heads * HeadDim, kw = KvHeads * HeadDim;
        for (int t = 0; t < Sequence; t++)
        {
            var stepMask = withMask ? new AttentionMask(Tensor<int>.Wrap(Prefix(PaddingMask, t + 1), Batch, t + 1)) : null;
            var y = attention.Forward(Step(q, t, qw), Step(k, t, kw), Step(v, t, kw), stepMask, cache);
            for (int b = 0; b < Batch; b++)
            {
                for (int e = 0; e < qw; e++)
                {
                    Assert.Equal(full[(b * Sequence + t) * qw + e], y.Span[b * qw + e], 1e-5);
                }
            }
        }

        Assert.Equal(Sequence, cache.LayerLength(1));
        Assert.Equal(0, cache.Length); // layer 0 was never run
        var ex = Assert.Throws<InvalidOperationException>(() => attention.Backward(new Tensor<float>(Batch, 1, qw), null, null, null));
        Assert.Contains("key/value cache", ex.Message);
        attention.Forward(Step(q, 0, qw), Step(k, 0, kw), Step(v, 0, kw), null, cache);
        attention.Forward(Step(q, 0, qw), Step(k, 0, kw), Step(v, 0, kw), null, cache);
        var full8 = Assert.Throws<ArgumentException>(() => attention.Forward(Step(q, 0, qw), Step(k, 0, kw), Step(v, 0, kw), null, cache));
        Assert.Contains("the cache holds 8 tokens; 1 more exceed its max length 8", full8.Message);
        cache.Reset();
        Assert.Equal(0, cache.LayerLength(1));
    }

    [Fact]
    public void Bad_shapes_and_masks_name_the_layer_and_shapes()
    {
        var attention = new CausalSelfAttention<float>(4, 2, 4, new RotaryEmbedding(4, 10000), layerIndex: 3);
        var ex = Assert.Throws<ArgumentException>(() => attention.Forward(new Tensor<float>(2, 5, 15), new Tensor<float>(2, 5, 8), new Tensor<float>(2, 5, 8)));
        Assert.Contains("CausalSelfAttention (layer 3, heads 4, kv heads 2, head dim 4): query is [2, 5, 15], expected [B, S, 16]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => attention.Forward(new Tensor<float>(2, 5, 16), new Tensor<float>(2, 5, 8), new Tensor<float>(2, 4, 8)));
        Assert.Contains("value [2, 4, 8], expected [2, 5, 8]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => attention.Forward(new Tensor<float>(1, 2, 16), new Tensor<float>(1, 2, 8), new Tensor<float>(1, 2, 8),
            new AttentionMask(Tensor<int>.Wrap([1, 2], 1, 2))));
        Assert.Contains("attention mask [0, 1] is 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => attention.Forward(new Tensor<float>(1, 2, 16), new Tensor<float>(1, 2, 8), new Tensor<float>(1, 2, 8),
            new AttentionMask(Tensor<int>.Wrap([1, 1, 1], 1, 3))));
        Assert.Contains("the attention mask is [1, 3], expected [1, 2]", ex.Message);
        Assert.Throws<ArgumentException>(() => new CausalSelfAttention<float>(4, 3, 4, new RotaryEmbedding(4, 10000)));
        Assert.Throws<InvalidOperationException>(() => new CausalSelfAttention<float>(4, 2, 4, new RotaryEmbedding(4, 10000)).Backward(new Tensor<float>(1, 1, 16), null, null, null));
    }

    private static (double[] Q, double[] K, double[] V) Inputs() => (
        FiniteDifference.Random(Batch * Sequence * Heads * HeadDim, seed: 1, scale: 1.5),
        FiniteDifference.Random(Batch * Sequence * KvHeads * HeadDim, seed: 2, scale: 1.5),
        FiniteDifference.Random(Batch * Sequence * KvHeads * HeadDim, seed: 3));

    private static Tensor<double> Wrap(double[] values, int heads) => Tensor<double>.Wrap(values, Batch, Sequence, heads * HeadDim);

    private static Tensor<float> Single(double[] values, int sequence, int heads) =>
        Tensor<float>.Wrap(values.Select(x => (float)x).ToArray(), Batch, sequence, heads * HeadDim);

    // Token t of every batch row: [B, 1, width].
    private static Tensor<float> Step(double[] values, int t, int width)
    {
        var step = new float[Batch * width];
        for (int b = 0; b < Batch; b++)
        {
            for (int e = 0; e < width; e++)
            {
                step[b * width + e] = (float)values[(b * Sequence + t) * width + e];
            }
        }

        return Tensor<float>.Wrap(step, Batch, 1, width);
    }

    private static int[] Prefix(int[] mask, int length) =>
        Enumerable.Range(0, Batch).SelectMany(b => mask.Skip(b * Sequence).Take(length)).ToArray();
}
