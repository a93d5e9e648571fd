namespace Peft.Tests.Layers;

public sealed class AddTests
{
    [Fact]
    public void Forward_is_the_elementwise_sum_and_remembers_both_inputs()
    {
        var add = new Add();
        var a = Tensor<float>.Wrap([1, 2, 3, 4, 5, 6], 2, 3);
        var b = Tensor<float>.Wrap([10, 20, 30, 40, 50, 60], 2, 3);
        var y = add.Forward(a, b);
        Assert.Equal([2, 3], y.Shape.ToArray());
        Assert.Equal([11f, 22, 33, 44, 55, 66], y.ToArray());
        Assert.Same(a, add.ForwardInput(0));
        Assert.Same(b, add.ForwardInput(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => add.ForwardInput(2));
        Assert.Empty(add.NamedParameters());
    }

    [Fact]
    public void Backward_adds_the_output_gradient_to_both_input_gradients_and_skips_null()
    {
        var add = new Add<double>();
        var x = new Tensor<double>(2, 2);
        add.Forward(x, x);
        var dy = Tensor<double>.Wrap([1, -2, 3, 0.5], 2, 2);
        var da = Tensor<double>.Wrap([1, 1, 1, 1], 2, 2);
        add.Backward(dy, da, null);
        Assert.Equal([2, -1, 4, 1.5], da.ToArray());

        // Forward(x, x): one buffer for both inputs collects 2·dY.
        var dx = new Tensor<double>(2, 2);
        add.Backward(dy, dx, dx);
        Assert.Equal([2, -4, 6, 1], dx.ToArray());
    }

    [Fact]
    public void Shape_errors_name_both_shapes()
    {
        var add = new Add();
        var error = Assert.Throws<ArgumentException>(() => add.Forward(new Tensor<float>(2, 3), new Tensor<float>(3, 2)));
        Assert.Contains("a is [2, 3] and b is [3, 2]", error.Message);

        Assert.Throws<InvalidOperationException>(() => add.Backward(new Tensor<float>(2, 3), null, null));
        Assert.Throws<InvalidOperationException>(() => add.ForwardInput(0));

        add.Forward(new Tensor<float>(2, 3), new Tensor<float>(2, 3));
        error = Assert.Throws<ArgumentException>(() => add.Backward(new Tensor<float>(2, 3), new Tensor<float>(3, 2), null));
        Assert.Contains("aGradient is [3, 2], the forward output was [2, 3]", error.Message);
    }
}
