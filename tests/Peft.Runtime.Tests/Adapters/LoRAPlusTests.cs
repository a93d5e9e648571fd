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
        var groups = LoRAPlusParameterGroups.Create(new WithEmbedding(model, embedding), 1e-3, 16, weightDecay: 0.01);

        Assert.Equal(["groupA", "embedding", "groupB", "groupB_no_decay"], groups.Select(g => g.Name));
        Assert.Equal([model.Query.Adapters["default"].AdapterParameters[0], model.Output.Weight, model.Output.Adapters["default"].AdapterParameters[0]],
            groups[0].Parameters);
        Assert.Equal([embedding], groups[1].Parameters);
        Assert.Equal([model.Query.Adapters["default"].AdapterParameters[1]], groups[2].Parameters);
        Assert.Equal([model.Output.Bias!, model.Norm.Weight], groups[3].Parameters);

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

    private sealed class WithEmbedding : Module
    {
        public WithEmbedding(Module inner, Parameter embedding)
        {
            RegisterModule("model", inner);
            RegisterParameter(embedding);
        }
    }
}
