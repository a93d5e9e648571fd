using Peft.Tests.Testing;

namespace Peft.Tests.Layers.Transformer;

public sealed class EmbeddingAndGateTests
{
    [Fact]
    public void Embedding_looks_up_rows_and_scatters_gradients()
    {
        var embedding = new Embedding<double>(5, 3, new Random(1));
        Assert.Equal(ParameterRole.EmbeddingWeight, embedding.Weight.Role);
        var ids = Tensor<int>.Wrap([4, 0, 4, 2], 2, 2);
        var y = embedding.Forward(ids);
        Assert.Equal([2, 2, 3], y.Shape.ToArray());
        Assert.Equal(embedding.Weight.Value.AsSpan(12, 3).ToArray(), y.Span.Slice(0, 3).ToArray());
        Assert.Equal(embedding.Weight.Value.AsSpan(6, 3).ToArray(), y.Span.Slice(9, 3).ToArray());

        var weights = FiniteDifference.Random(12, seed: 2);
        double Loss() => FiniteDifference.Dot(weights, embedding.Forward(ids).Span);
        embedding.Forward(ids);
        embedding.Backward(Tensor<double>.Wrap(weights, 2, 2, 3));
        FiniteDifference.CheckInPlace(embedding.Weight.Value, Loss, embedding.Weight.Gradient, "embedding weight");
        Assert.Equal(0.0, embedding.Weight.Gradient[3]); // row 1 was never read
    }

    [Fact]
    public void Embedding_rejects_an_id_outside_the_table_naming_it_and_its_position()
    {
        var embedding = new Embedding<float>(10, 4);
        var ex = Assert.Throws<ArgumentException>(() => embedding.Forward(Tensor<int>.Wrap([1, 2, 3, 4, 10, 5], 2, 3)));
        Assert.Contains("Embedding [10, 4]: id 10 at position [1, 1] of ids [2, 3] is outside [0, 10)", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => embedding.Forward(Tensor<int>.Wrap([-1])));
        Assert.Contains("id -1 at position [0]", ex.Message);
        Assert.Throws<InvalidOperationException>(() => new Embedding<float>(3, 2).Backward(new Tensor<float>(1, 2)));
        embedding.Forward(Tensor<int>.Wrap([1, 2], 2));
        ex = Assert.Throws<ArgumentException>(() => embedding.Backward(new Tensor<float>(2, 5)));
        Assert.Contains("output gradient is [2, 5], the forward output was [2, 4]", ex.Message);
    }

    [Fact]
    public void GatedSiLU_matches_its_formula_and_finite_differences()
    {
        var gate = FiniteDifference.Random(2 * 7, seed: 1, scale: 3);
        var up = FiniteDifference.Random(2 * 7, seed: 2, scale: 2);
        var module = new GatedSiLU<double>();
        var g = Tensor<double>.Wrap(gate, 2, 7);
        var u = Tensor<double>.Wrap(up, 2, 7);
        var y = module.Forward(g, u).ToArray();
        for (int i = 0; i < y.Length; i++)
        {
            Assert.Equal(gate[i] / (1 + Math.Exp(-gate[i])) * up[i], y[i], 1e-14);
        }

        var weights = FiniteDifference.Random(14, seed: 3);
        double Loss() => FiniteDifference.Dot(weights, module.Forward(g, u).Span);
        module.Forward(g, u);
        var dGate = new Tensor<double>(2, 7);
        var dUp = Tensor<double>.Wrap(Enumerable.Repeat(1.0, 14).ToArray(), 2, 7); // adds to what is there
        module.Backward(Tensor<double>.Wrap(weights, 2, 7), dGate, dUp);
        FiniteDifference.CheckInPlace(gate, Loss, dGate.ToArray(), "dGate");
        FiniteDifference.CheckInPlace(up, Loss, dUp.ToArray().Select(v => v - 1.0).ToArray(), "dUp");
        var ex = Assert.Throws<ArgumentException>(() => module.Forward(g, new Tensor<double>(2, 6)));
        Assert.Contains("GatedSiLU: gate is [2, 7] and up is [2, 6]", ex.Message);
    }

    [Fact]
    public void GatedSiLU_chunks_split_over_the_pool_match_the_formulas()
    {
        const int n = 3 * 4096 * 5 + 17; // many chunks and a partial one
        var gate = FiniteDifference.Random(n, seed: 1, scale: 3);
        var up = FiniteDifference.Random(n, seed: 2);
        var dy = FiniteDifference.Random(n, seed: 3);
        var module = new GatedSiLU<double>();
        var y = module.Forward(Tensor<double>.Wrap(gate, n), Tensor<double>.Wrap(up, n)).ToArray();
        Tensor<double> dGate = new(n), dUp = new(n);
        module.Backward(Tensor<double>.Wrap(dy, n), dGate, dUp);
        for (int i = 0; i < n; i++)
        {
            double sigma = 1 / (1 + Math.Exp(-gate[i]));
            Assert.Equal(gate[i] * sigma * up[i], y[i], 1e-13);
            Assert.Equal(dy[i] * gate[i] * sigma, dUp.Span[i], 1e-13);
            Assert.Equal(dy[i] * up[i] * sigma * (1 + gate[i] * (1 - sigma)), dGate.Span[i], 1e-13);
        }
    }

    [Fact]
    public void Dropout_is_the_identity_in_eval_and_inverted_in_training()
    {
        var dropout = new Dropout<double>(0.25, seed: 3);
        var x = Tensor<double>.Wrap(FiniteDifference.Random(4000, seed: 1), 4000);
        var y = dropout.Forward(x).ToArray();
        int zeros = y.Count(v => v == 0);
        Assert.InRange(zeros, 850, 1150);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(y[i] == 0 || Math.Abs(y[i] - x.Span[i] / 0.75) < 1e-15);
        }

        var dy = Tensor<double>.Wrap(Enumerable.Repeat(1.0, 4000).ToArray(), 4000);
        var dx = dropout.Backward(dy).ToArray();
        for (int i = 0; i < y.Length; i++)
        {
            Assert.Equal(y[i] == 0 ? 0 : 1 / 0.75, dx[i], 1e-15);
        }

        dropout.Eval();
        Assert.Equal(x.ToArray(), dropout.Forward(x).ToArray());
        Assert.Equal(dy.ToArray(), dropout.Backward(dy).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout<float>(1.0));
    }
}
