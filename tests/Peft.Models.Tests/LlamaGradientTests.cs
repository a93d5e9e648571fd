using Peft.Tests.Testing;

namespace Peft.Models.Tests;

/// <summary>
/// Finite-difference checks of the whole model's backward pass in double precision on tiny random configs:
/// L = Σ logits ⊙ R for a fixed random R, so dL/dlogits = R; every parameter element's analytic gradient
/// against (L(θ + h) − L(θ − h)) / 2h.
/// </summary>
public sealed class LlamaGradientTests
{
    private static LlamaConfig Tiny(string modelType = "llama", bool tied = false, int kvHeads = 2) => new()
    {
        ModelType = modelType,
        HiddenSize = 8,
        IntermediateSize = 12,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = kvHeads,
        HeadDim = 4,
        VocabSize = 11,
        MaxPositionEmbeddings = 16,
        RmsNormEps = 1e-5,
        TieWordEmbeddings = tied,
        QkvBias = modelType == "qwen2",
        RopeScaling = modelType == "llama" ? new RopeScaling("llama3", 2, 1, 4, 8) : null,
    };

    public static TheoryData<string, bool, int> Configs => new()
    {
        { "llama", false, 2 },   // GQA, llama3 rope scaling
        { "qwen2", true, 4 },    // q/k/v biases, tied embeddings
        { "mistral", false, 1 }, // one key/value head
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void WholeModelGradientsMatchFiniteDifferences(string modelType, bool tied, int kvHeads)
    {
        var model = new LlamaForCausalLM<double>(Tiny(modelType, tied, kvHeads), seed: 3);
        Check(model, model.NamedParameters<double>().ToList());
    }

    [Fact]
    public void LoRAGradientsMatchFiniteDifferences()
    {
        var model = new LlamaForCausalLM<double>(Tiny(), seed: 4);
        model.Apply(new AdapterConfig { TargetModules = ["q_proj", "v_proj", "down_proj"], Options = new LoRAOptions { Rank = 2, Alpha = 4 } });
        var random = new Random(9);
        foreach (var (_, b) in model.NamedParameters<double>().Where(p => p.Value.Role == ParameterRole.LoRAB))
        {
            // PEFT starts B at zero; non-zero B makes every path of the adapter's gradient visible.
            for (int i = 0; i < b.Value.Length; i++)
            {
                b.Value[i] = random.NextDouble() - 0.5;
            }
        }

        var adapters = model.NamedParameters<double>().Where(p => p.Value.Role is ParameterRole.LoRAA or ParameterRole.LoRAB).ToList();
        Assert.Equal(12, adapters.Count);
        Assert.All(model.NamedParameters<double>().Except(adapters), p => Assert.False(p.Value.Trainable, p.Key));
        Check(model, adapters);
    }

    private static void Check(LlamaForCausalLM<double> model, List<KeyValuePair<string, Parameter<double>>> parameters)
    {
        var random = new Random(1);
        int[] idValues = [.. Enumerable.Range(0, 10).Select(_ => random.Next(model.Config.VocabSize))];
        var ids = Tensor<int>.Wrap(idValues, 2, 5);
        var weights = new double[2 * 5 * model.Config.VocabSize];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = random.NextDouble() * 2 - 1;
        }

        double Loss()
        {
            var logits = model.Forward(ids).Span;
            double sum = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                sum += logits[i] * weights[i];
            }

            return sum;
        }

        model.ZeroGradients();
        Loss();
        model.Backward(Tensor<double>.Wrap(weights, 2, 5, model.Config.VocabSize));
        int checkedCount = 0;
        foreach (var (path, parameter) in parameters)
        {
            Assert.True(parameter.Trainable, path);
            FiniteDifference.CheckInPlace(parameter.Value, Loss, parameter.Gradient, path);
            checkedCount += parameter.Length;
        }

        Assert.True(checkedCount > 100);
    }
}

/// <summary>A model built from a config starts as transformers' <c>_init_weights</c> leaves it.</summary>
public sealed class LlamaInitializationTests
{
    [Fact]
    public void WeightsAreNormalWithTheInitializerRangeBiasesZeroNormsOne()
    {
        var model = new LlamaForCausalLM(new LlamaConfig
        {
            ModelType = "qwen2", HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 1, NumAttentionHeads = 4,
            VocabSize = 300, QkvBias = true, InitializerRange = 0.05,
        }, seed: 2);
        foreach (var values in new[] { model.Model.EmbedTokens.Weight.Value, model.Model.Layers[0].Mlp.UpProj.Weight.Value, model.LmHead.Weight.Value })
        {
            double mean = values.Average(v => (double)v);
            double std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            Assert.InRange(mean, -0.005, 0.005);
            Assert.InRange(std, 0.045, 0.055);
        }

        Assert.All(model.Model.Layers[0].SelfAttention.QProj.Bias!.Value, v => Assert.Equal(0f, v));
        Assert.All(model.Model.Norm.Weight.Value, v => Assert.Equal(1f, v));
        Assert.NotSame(model.Model.EmbedTokens.Weight, model.LmHead.Weight);
    }
}
