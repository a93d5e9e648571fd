namespace Peft.Tests.Optimizers;

public sealed class GradientClippingTests
{
    [Fact]
    public void Gradient_norms_are_per_group_and_ignore_frozen_parameters()
    {
        var (optimizer, a, b) = TwoGroups();
        Assert.Equal([5.0, 12.0], optimizer.GradientNorms());
        a.Trainable = false;
        Assert.Equal([0.0, 12.0], optimizer.GradientNorms());
        Assert.Throws<ArgumentException>(() => optimizer.GradientNorms(new double[1]));
        _ = b;
    }

    [Fact]
    public void Clipping_scales_every_gradient_by_max_norm_over_the_global_norm()
    {
        // Global norm √(3² + 4² + 12²) = 13; clipping to 6.5 scales by 6.5 / (13 + 1e-6).
        var (optimizer, a, b) = TwoGroups();
        Assert.Equal(13.0, optimizer.ClipGradientNorm(6.5), 12);
        double c = 6.5 / (13.0 + 1e-6);
        Assert.Equal(3 * c, a.Gradient[0], 6);
        Assert.Equal(4 * c, a.Gradient[1], 6);
        Assert.Equal(12 * c, b.Gradient[0], 5);
        Assert.Equal(6.5, Math.Sqrt(optimizer.GradientNorms().Sum(n => n * n)), 5);
    }

    [Fact]
    public void Clipping_above_the_norm_leaves_gradients_unchanged()
    {
        var (optimizer, a, b) = TwoGroups();
        Assert.Equal(13.0, optimizer.ClipGradientNorm(20.0), 12);
        Assert.Equal([3f, 4f], a.Gradient);
        Assert.Equal([12.0], b.Gradient);
    }

    [Fact]
    public void A_non_finite_norm_names_the_parameter_or_is_returned_untouched()
    {
        var (optimizer, a, b) = TwoGroups();
        b.Gradient[0] = double.NaN;
        var ex = Assert.Throws<InvalidOperationException>(() => optimizer.ClipGradientNorm(1.0));
        Assert.Contains("'lora_B' [1] in group 'B' is not finite at element 0", ex.Message);

        Assert.True(double.IsNaN(optimizer.ClipGradientNorm(1.0, errorIfNonFinite: false)));
        Assert.Equal([3f, 4f], a.Gradient);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.ClipGradientNorm(0.0));
    }

    private static (Optimizer, Parameter<float>, Parameter<double>) TwoGroups()
    {
        var a = new Parameter<float>("lora_A", [2], ParameterRole.LoRAA);
        var b = new Parameter<double>("lora_B", [1], ParameterRole.LoRAB);
        a.Gradient[0] = 3;
        a.Gradient[1] = 4;
        b.Gradient[0] = 12;
        var optimizer = new Sgd([new ParameterGroup("A", [a], 0.1), new ParameterGroup("B", [b], 1.6)]);
        return (optimizer, a, b);
    }
}
