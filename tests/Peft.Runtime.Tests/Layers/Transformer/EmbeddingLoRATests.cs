using Peft.Tests.Testing;

namespace Peft.Tests.Layers.Transformer;

public sealed class EmbeddingLoRATests
{
    private const int Num = 6, Dim = 5, Rank = 3;

    private static readonly int[] Ids = [4, 0, 4, 2, 5, 1];

    private static (Embedding<double> Embedding, EmbeddingLoRAAdapter<double> Adapter) Create(bool freezeBase = true)
    {
        var embedding = new Embedding<double>(Num, Dim, new Random(1));
        var adapter = embedding.AttachLoRA("default", new LoRAOptions { Rank = Rank, Alpha = 6, Seed = 2, FreezeBase = freezeBase });
        FiniteDifference.Random(adapter.A.Length, seed: 3).CopyTo(adapter.A.Value, 0); // A starts at zero
        return (embedding, adapter);
    }

    [Fact]
    public void Layout_and_initialisation_are_PEFTs()
    {
        var embedding = new Embedding<float>(300, 40);
        var adapter = embedding.AttachLoRA("default", new LoRAOptions { Rank = 8, Alpha = 16 });
        Assert.Equal(["default.lora_embedding_A", "default.lora_embedding_B"],
            embedding.NamedParameters().Where(p => p.Value.Trainable).Select(p => p.Key));
        Assert.Equal([8, 300], adapter.A.Shape.ToArray());
        Assert.Equal([40, 8], adapter.B.Shape.ToArray());
        Assert.Equal(ParameterRole.LoRAEmbedding, adapter.A.Role);
        Assert.Equal(ParameterRole.LoRAEmbedding, adapter.B.Role);
        Assert.False(embedding.Weight.Trainable);
        Assert.Equal(2.0, adapter.Scaling);
        Assert.All(adapter.A.Value, v => Assert.Equal(0f, v));
        double mean = adapter.B.Value.Average(v => (double)v);
        double std = Math.Sqrt(adapter.B.Value.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.15, 0.15);
        Assert.InRange(std, 0.85, 1.15);
        Assert.Same(adapter, embedding.Adapter);
        var rs = new Embedding<float>(10, 4).AttachLoRA("default", new LoRAOptions { Rank = 4, Alpha = 16, UseRsLoRA = true });
        Assert.Equal(16 / Math.Sqrt(4), rs.Scaling, 12);
        Assert.Contains("already has the adapter 'default'", Assert.Throws<ArgumentException>(() => embedding.AttachLoRA("other", new LoRAOptions())).Message);
    }

    [Fact]
    public void Forward_adds_s_times_the_looked_up_column_of_A_projected_by_B()
    {
        var (embedding, adapter) = Create();
        var y = embedding.Forward(Tensor<int>.Wrap(Ids, 2, 3)).ToArray();
        for (int p = 0; p < Ids.Length; p++)
        {
            for (int e = 0; e < Dim; e++)
            {
                double delta = 0;
                for (int k = 0; k < Rank; k++)
                {
                    delta += adapter.A.Value[k * Num + Ids[p]] * adapter.B.Value[e * Rank + k];
                }

                Assert.Equal(embedding.Weight.Value[Ids[p] * Dim + e] + 2.0 * delta, y[p * Dim + e], 1e-12);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gradients_match_finite_differences(bool freezeBase)
    {
        var (embedding, adapter) = Create(freezeBase);
        var ids = Tensor<int>.Wrap(Ids, 2, 3);
        var weights = FiniteDifference.Random(Ids.Length * Dim, seed: 4);
        double Loss() => FiniteDifference.Dot(weights, embedding.Forward(ids).Span);
        embedding.Forward(ids);
        embedding.Backward(Tensor<double>.Wrap(weights, 2, 3, Dim));
        FiniteDifference.CheckInPlace(adapter.A.Value, Loss, adapter.A.Gradient, "lora_embedding_A");
        FiniteDifference.CheckInPlace(adapter.B.Value, Loss, adapter.B.Gradient, "lora_embedding_B");
        if (freezeBase)
        {
            Assert.All(embedding.Weight.Gradient, g => Assert.Equal(0.0, g));
        }
        else
        {
            FiniteDifference.CheckInPlace(embedding.Weight.Value, Loss, embedding.Weight.Gradient, "weight");
        }
    }

    [Fact]
    public void Merge_folds_the_update_into_the_table_and_unmerge_restores_it()
    {
        var (embedding, adapter) = Create();
        var ids = Tensor<int>.Wrap(Ids, 2, 3);
        var adapted = embedding.Forward(ids).ToArray();
        var table = embedding.Weight.Value.ToArray();
        adapter.Merge();
        Assert.True(adapter.IsMerged);
        var merged = embedding.Forward(ids).ToArray();
        for (int i = 0; i < adapted.Length; i++)
        {
            Assert.Equal(adapted[i], merged[i], 1e-12);
        }

        Assert.Throws<InvalidOperationException>(adapter.Merge);
        adapter.Unmerge();
        for (int i = 0; i < table.Length; i++)
        {
            Assert.Equal(table[i], embedding.Weight.Value[i], 1e-12);
        }

        adapter.Enabled = false;
        var plain = embedding.Forward(ids).ToArray();
        Assert.Equal(embedding.Weight.Value.AsSpan(Ids[0] * Dim, Dim).ToArray(), plain.AsSpan(0, Dim).ToArray());
    }
}
