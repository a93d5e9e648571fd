namespace Peft.Tests.Optimizers;

public sealed class SgdTests
{
    [Fact]
    public void Momentum_matches_hand_computed_values()
    {
        var p = Scalar(1.0);
        var optimizer = new Sgd([new ParameterGroup("g", [p], 0.1)], momentum: 0.9);

        // Step 1, g = 1: the buffer starts as the gradient, b = 1; p = 1 − 0.1·1 = 0.9.
        p.Gradient[0] = 1.0;
        optimizer.Step();
        Assert.Equal(0.9, p.Value[0], 15);

        // Step 2, g = 0.5: b = 0.9·1 + 0.5 = 1.4; p = 0.9 − 0.1·1.4 = 0.76.
        p.Gradient[0] = 0.5;
        optimizer.Step();
        Assert.Equal(0.76, p.Value[0], 15);
    }

    [Fact]
    public void Nesterov_momentum_matches_hand_computed_values()
    {
        var p = Scalar(1.0);
        var optimizer = new Sgd([new ParameterGroup("g", [p], 0.1)], momentum: 0.9, nesterov: true);

        // Step 1, g = 1: b = 1; d = 1 + 0.9·1 = 1.9; p = 1 − 0.19 = 0.81.
        p.Gradient[0] = 1.0;
        optimizer.Step();
        Assert.Equal(0.81, p.Value[0], 15);

        // Step 2, g = 0.5: b = 0.9·1 + 0.5 = 1.4; d = 0.5 + 0.9·1.4 = 1.76; p = 0.81 − 0.176 = 0.634.
        p.Gradient[0] = 0.5;
        optimizer.Step();
        Assert.Equal(0.634, p.Value[0], 15);
    }

    [Fact]
    public void Weight_decay_is_added_to_the_gradient()
    {
        // d = g + wd·p = 0.5 + 0.1·2 = 0.7; p = 2 − 0.1·0.7 = 1.93 (no momentum).
        var p = Scalar(2.0);
        p.Gradient[0] = 0.5;
        new Sgd([new ParameterGroup("g", [p], 0.1, weightDecay: 0.1)]).Step();
        Assert.Equal(1.93, p.Value[0], 15);
    }

    [Fact]
    public void Invalid_hyperparameters_are_rejected()
    {
        ParameterGroup[] groups = [new ParameterGroup("g", [Scalar(1.0)], 0.1)];
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(groups, momentum: -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(groups, momentum: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(groups, momentum: 0.9, dampening: 1.5));
        var ex = Assert.Throws<ArgumentException>(() => new Sgd(groups, momentum: 0.0, nesterov: true));
        Assert.Contains("Nesterov", ex.Message);
    }

    private static Parameter<double> Scalar(double value)
    {
        var p = new Parameter<double>("w", [1], ParameterRole.Weight);
        p.Value[0] = value;
        return p;
    }
}
