namespace Peft.Tests.Adapters;

public sealed class LoRAPlusTests
{
    [Fact]
    public void Learning_rates_follow_the_ratio()
    {
        var plus = new Linear<double>(8, 8).AttachLoRAPlus("default", new LoRAPlusOptions { Rank = 2, Ratio = 16 });
        Assert.Equal(16, plus.LearningRateRatio);
        plus.SetLearningRates(1e-4);
        Assert.Equal(1e-4, plus.BaseLearningRate);
        Assert.Equal(1.6e-3, plus.ScaledLearningRate, 1e-18);
        plus.LearningRateRatio = 4;
        Assert.Equal(4e-4, plus.ScaledLearningRate, 1e-18);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Bad_ratio_is_rejected_everywhere(double ratio)
    {
        var layer = new Linear<double>(8, 8);
        var attach = Assert.Throws<ArgumentException>(() => layer.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = 2, Ratio = ratio }));
        Assert.Contains("ratio must be finite and at least 1.0", attach.Message);
        Assert.Contains("Linear [8, 8]", attach.Message);
        Assert.Empty(layer.Adapters);

        var plus = layer.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = 2 });
        Assert.Throws<ArgumentException>(() => plus.LearningRateRatio = ratio);
        Assert.Throws<ArgumentException>(() => LoRAPlusParameterGroups.Create(layer, 1e-3, ratio));
    }

    [Fact]
    public void Groups_are_those_of_peft_create_loraplus_optimizer()
    {
        var model = new TinyModel();
        model.Apply(new AdapterConfig { Options = new LoRAPlusOptions { Rank = 2, Ratio = 16 }, TargetModules = ["q_proj"] });
        model.Apply(new AdapterConfig { Options = new MoRAOptions { Rank = 1, FreezeBase = false }, TargetModules = ["out_proj"] });
        model.Norm.Weight.Trainable = true;
        var embedding = new Parameter<double>("lora_embedding_A", [2, 6], ParameterRole.LoRAEmbedding);
        var groups = LoRAPlusParameterGroups.Create(new WithEmbedding(model, embedding), 1e-3, 16, loraPlusWeightDecay: 0.01);

        Assert.Equal(["groupA", "embedding", "groupB", "groupB_no_decay"], groups.Select(g => g.Name));
        Assert.Equal([model.Query.Adapters["default"].AdapterParameters[0], model.Output.Weight, model.Output.Adapters["default"].AdapterParameters[0]],
            groups[0].Parameters);
        Assert.Equal([embedding], groups[1].Parameters);

        // PEFT exempts names containing "bias" and parameters of nn.LayerNorm only: this norm is not a LayerNorm, so it decays.
        Assert.Equal([model.Query.Adapters["default"].AdapterParameters[1], model.Norm.Weight], groups[2].Parameters);
        Assert.Equal([model.Output.Bias!], groups[3].Parameters);

        Assert.Equal([1e-3, 1e-6, 1.6e-2, 1.6e-2], groups.Select(g => g.LearningRate));
        Assert.Equal([0.01, 0.01, 0.01, 0.0], groups.Select(g => g.WeightDecay));
        Assert.Equal(1e-3, ((LoRAPlusAdapter<double>)model.Query.Adapters.Active!).BaseLearningRate);

        // Frozen parameters (the q_proj and v_proj bases, frozen by Apply) are in no group.
        Assert.DoesNotContain(groups.SelectMany(g => g.Parameters), p => ReferenceEquals(p, model.Query.Weight) || ReferenceEquals(p, model.Value.Bias));
    }

    [Fact]
    public void An_adapter_with_its_own_ratio_gets_its_own_B_group()
    {
        var model = new TinyModel();
        model.Apply(new AdapterConfig { Options = new LoRAPlusOptions { Rank = 2, Ratio = 16 }, TargetModules = ["q_proj"] });
        model.Apply(new AdapterConfig { Options = new LoRAPlusOptions { Rank = 2, Ratio = 4 }, TargetModules = ["v_proj"] });
        var groups = LoRAPlusParameterGroups.Create(model, 1e-3, 16);
        Assert.Equal(["groupA", "embedding", "groupB", "groupB_no_decay", "groupB_ratio=4"], groups.Select(g => g.Name));
        Assert.Equal([model.Query.Adapters.Active!.AdapterParameters[1]], groups[2].Parameters);
        Assert.Equal([model.Value.Adapters.Active!.AdapterParameters[1]], groups[4].Parameters);
        Assert.Equal(4e-3, groups[4].LearningRate, 1e-18);
        Assert.Equal(2, groups[0].Parameters.Count);
    }

    [Fact]
    public void First_AdamW_step_moves_B_by_lr_times_ratio()
    {
        // From B = 0, dA = s·(dY·B)ᵀ·x = 0 and Adam's first step moves each B entry by lr_B·g/(|g| + ε) ≈ ±lr·ratio.
        var layer = new Linear<double>(6, 4);
        var plus = layer.AttachLoRAPlus("default", new LoRAPlusOptions { Rank = 2, Ratio = 16 });
        var optimizer = new AdamW(LoRAPlusParameterGroups.Create(layer, 1e-3, plus.LearningRateRatio));
        var a = (double[])plus.A.Value.Clone();
        var x = AdapterTestData.Random(3 * 6, 1);
        var y = new double[3 * 4];
        layer.Forward(x, y, 3);
        layer.Backward(x, AdapterTestData.Random(3 * 4, 2), Span<double>.Empty, 3);
        optimizer.Step();

        Assert.Equal(a, plus.A.Value);
        Assert.All(plus.B.Value, b => Assert.InRange(Math.Abs(b), 0.999 * plus.ScaledLearningRate, plus.ScaledLearningRate));
        Assert.Equal(1.6e-2, plus.ScaledLearningRate, 1e-15);
    }

    [Fact]
    public void Embedding_adapters_attached_by_Apply_train_at_lr_embedding()
    {
        // PEFT's create_loraplus_optimizer: parameters of a lora.Embedding go to the "embedding" group at lr_embedding.
        var model = new EmbeddingAndProjection();
        model.Apply(new AdapterConfig { Options = new LoRAPlusOptions { Rank = 2, Ratio = 16 }, TargetModules = ["embed_tokens", "q_proj"] });
        var adapter = model.Table.Adapter!;
        var groups = LoRAPlusParameterGroups.Create(model, 1e-4, 16, embeddingLearningRate: 1e-3);

        Assert.Equal([adapter.A, adapter.B], groups[1].Parameters);
        Assert.Equal(1e-3, groups[1].LearningRate);
        Assert.Equal([model.Projection.Adapters.Active!.AdapterParameters[0]], groups[0].Parameters);
        Assert.Equal([model.Projection.Adapters.Active!.AdapterParameters[1]], groups[2].Parameters);
        Assert.DoesNotContain(groups.SelectMany(g => g.Parameters), p => ReferenceEquals(p, model.Table.Weight));

        // A starts at zero, so dB = s·dYᵀ·a = 0 and only the looked-up columns of A move, each by ≈ lr_embedding on Adam's first step.
        var optimizer = new AdamW(groups);
        int[] ids = [1, 4];
        model.Table.Forward(Tensor<int>.Wrap(ids, 2));
        model.Table.Backward(Tensor<double>.Wrap(AdapterTestData.Random(2 * 4, 3), 2, 4));
        var b = (double[])adapter.B.Value.Clone();
        optimizer.Step();

        Assert.Equal(b, adapter.B.Value);
        for (int k = 0; k < 2; k++)
        {
            for (int i = 0; i < 6; i++)
            {
                double moved = Math.Abs(adapter.A.Value[k * 6 + i]);
                if (ids.Contains(i))
                {
                    Assert.InRange(moved, 0.999e-3, 1e-3);
                }
                else
                {
                    Assert.Equal(0, moved);
                }
            }
        }
    }

    [Fact]
    public void Decay_is_loraplus_weight_decay_on_PEFTs_groups_and_zero_by_default()
    {
        // PEFT's create_loraplus_optimizer: decay exempts names containing "bias" and nn.LayerNorm parameters (not
        // RMSNorm); a lora.Embedding's trainable parameters (its table included) train at lr_embedding; every group's
        // decay is loraplus_weight_decay (default 0.0) and the optimizer's own weight_decay reaches none of them.
        var model = new Normed();
        model.Apply(new AdapterConfig { Options = new LoRAPlusOptions { Rank = 2, Ratio = 16 }, TargetModules = ["embed_tokens", "q_proj"] });
        foreach (var parameter in new Parameter[] { model.Table.Weight, model.LayerNorm.Weight, model.LayerNorm.Bias!, model.RmsNorm.Weight })
        {
            parameter.Trainable = true;
        }

        var groups = LoRAPlusParameterGroups.Create(model, 1e-3, 16);
        var lora = model.Projection.Adapters.Active!;
        Assert.Equal([lora.AdapterParameters[0]], groups[0].Parameters);
        Assert.Equal([model.Table.Weight, model.Table.Adapter!.A, model.Table.Adapter.B], groups[1].Parameters);
        Assert.Equal([model.RmsNorm.Weight, lora.AdapterParameters[1]], groups[2].Parameters);
        Assert.Equal([model.LayerNorm.Weight, model.LayerNorm.Bias!], groups[3].Parameters);
        Assert.All(groups, g => Assert.Equal(0.0, g.WeightDecay));

        // One AdamW step from the same gradients: with the default decay, A moves by Adam's update alone; with
        // loraplus_weight_decay = 0.1 it also shrinks by lr·wd·A (decoupled decay, applied first as in PyTorch).
        var a = (double[])lora.AdapterParameters[0].Value.Clone();
        double[] Step(double decay)
        {
            var parameter = lora.AdapterParameters[0];
            a.CopyTo(parameter.Value, 0);
            AdapterTestData.Random(parameter.Length, 5).CopyTo(parameter.Gradient, 0);
            new AdamW(LoRAPlusParameterGroups.Create(model, 1e-3, 16, loraPlusWeightDecay: decay)).Step();
            return (double[])parameter.Value.Clone();
        }

        var plain = Step(0.0);
        var decayed = Step(0.1);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(plain[i] - 1e-3 * 0.1 * a[i], decayed[i], 1e-15);
        }
    }

    private sealed class Normed : Module
    {
        public Normed()
        {
            Table = RegisterModule("embed_tokens", new Embedding<double>(6, 4));
            LayerNorm = RegisterModule("ln", new LayerNorm<double>(4));
            RmsNorm = RegisterModule("norm", new RMSNorm<double>(4, 1e-6));
            Projection = RegisterModule("q_proj", new Linear<double>(4, 4, bias: false));
        }

        public Embedding<double> Table { get; }

        public LayerNorm<double> LayerNorm { get; }

        public RMSNorm<double> RmsNorm { get; }

        public Linear<double> Projection { get; }
    }

    private sealed class EmbeddingAndProjection : Module
    {
        public EmbeddingAndProjection()
        {
            Table = RegisterModule("embed_tokens", new Embedding<double>(6, 4));
            Projection = RegisterModule("q_proj", new Linear<double>(4, 4));
        }

        public Embedding<double> Table { get; }

        public Linear<double> Projection { get; }
    }

    private sealed class WithEmbedding : Module
    {
        public WithEmbedding(Module inner, Parameter embedding)
        {
            RegisterModule("model", inner);
            RegisterParameter(embedding);
        }
    }
}
