namespace Peft.Tests.Optimizers;

public sealed class ParameterGroupTests
{
    [Fact]
    public void A_group_with_zero_weight_decay_is_not_decayed()
    {
        // With a zero gradient AdamW's moment term is 0 / (0 + ε) = 0, so only decay moves p:
        // the decay group becomes p·(1 − 0.1·0.5) = 0.95·p, the no-decay group stays exactly p.
        var weight = Filled(new Parameter<double>("weight", [3], ParameterRole.Weight), 2.0);
        var bias = Filled(new Parameter<double>("bias", [3], ParameterRole.Bias), 2.0);
        var optimizer = new AdamW(
        [
            new ParameterGroup("decay", [weight], 0.1, weightDecay: 0.5),
            new ParameterGroup("no_decay", [bias], 0.1, weightDecay: 0.0),
        ]);
        optimizer.Step();
        Assert.All(weight.Value, v => Assert.Equal(2.0 * 0.95, v, 15));
        Assert.All(bias.Value, v => Assert.Equal(2.0, v));
    }

    [Fact]
    public void ForModule_leaves_biases_and_norm_weights_without_decay_and_skips_frozen_parameters()
    {
        var model = new Linear<double>(3, 2);
        var groups = ParameterGroup.ForModule(model, 1e-3, 0.01);
        Assert.Equal(["decay", "no_decay"], groups.Select(g => g.Name));
        Assert.Same(model.Weight, Assert.Single(groups[0].Parameters));
        Assert.Same(model.Bias, Assert.Single(groups[1].Parameters));
        Assert.Equal(0.01, groups[0].WeightDecay);
        Assert.Equal(0.0, groups[1].WeightDecay);
        Assert.True(ParameterGroup.IsExemptFromWeightDecay(new Parameter<float>("ln", [4], ParameterRole.NormWeight)));

        model.IsFrozen = true;
        Assert.All(ParameterGroup.ForModule(model, 1e-3), g => Assert.Empty(g.Parameters));
    }

    [Fact]
    public void Frozen_parameters_are_untouched_and_their_step_count_does_not_advance()
    {
        var frozen = Filled(new Parameter<double>("frozen", [2], ParameterRole.Weight, trainable: false), 1.0);
        var fresh = Filled(new Parameter<double>("fresh", [2], ParameterRole.Weight), 1.0);

        // A trainable parameter throughout, so that the steps below train something (an all-frozen step is an error).
        var other = Filled(new Parameter<double>("other", [2], ParameterRole.Weight), 1.0);
        var optimizer = new AdamW([
            new ParameterGroup("g", [frozen], 0.1, 0.01), new ParameterGroup("h", [fresh], 0.1, 0.01), new ParameterGroup("i", [other], 0.1, 0.01)]);
        fresh.Trainable = false;
        frozen.Gradient.AsSpan().Fill(0.3);
        optimizer.Step();
        optimizer.Step();
        Assert.Equal([1.0, 1.0], frozen.Value);

        // Unfrozen, its first update uses bias correction for t = 1, like a parameter never stepped.
        frozen.Trainable = true;
        fresh.Trainable = true;
        fresh.Gradient.AsSpan().Fill(0.3);
        optimizer.Step();
        Assert.Equal(fresh.Value, frozen.Value);
        Assert.NotEqual(1.0, frozen.Value[0]);
    }

    [Fact]
    public void Bad_groups_are_rejected_with_clear_messages()
    {
        var p = new Parameter<float>("lora_A", [2, 3], ParameterRole.LoRAA);
        var twice = Assert.Throws<ArgumentException>(() => new AdamW([new ParameterGroup("a", [p], 1e-3), new ParameterGroup("b", [p], 1e-3)]));
        Assert.Contains("'lora_A' [2, 3] is in both group 'a' and group 'b'", twice.Message);
        Assert.Throws<ArgumentException>(() => new ParameterGroup("a", [p, p], 1e-3));
        Assert.Throws<ArgumentException>(() => new AdamW(Array.Empty<ParameterGroup>()));
        Assert.Throws<ArgumentException>(() => new ParameterGroup("a", [new Parameter<Half>("h", [1], ParameterRole.Weight)], 1e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterGroup("a", [p], double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterGroup("a", [p], 1e-3, weightDecay: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([new ParameterGroup("a", [p], 1e-3)], beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([new ParameterGroup("a", [p], 1e-3)], epsilon: 0.0));

        // Nulls: ArgumentNullException is an ArgumentException naming the argument.
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => new ParameterGroup("a", null!, 1e-3)).ParamName);
        Assert.Equal("groups", Assert.Throws<ArgumentNullException>(() => new AdamW((IEnumerable<ParameterGroup>)null!)).ParamName);
        Assert.Equal("module", Assert.Throws<ArgumentNullException>(() => new Sgd((Module)null!, 0.1)).ParamName);
        Assert.Contains("parameter 1 is null", Assert.Throws<ArgumentException>(() => new ParameterGroup("a", [p, null!], 1e-3)).Message);
        Assert.Contains("group 0 is null", Assert.Throws<ArgumentException>(() => new AdamW([null!])).Message);
        Assert.Throws<ArgumentNullException>(() => new CosineScheduler(null!, 10));
    }

    private static Parameter<double> Filled(Parameter<double> p, double value)
    {
        p.Value.AsSpan().Fill(value);
        return p;
    }
}
