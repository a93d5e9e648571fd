using System.Numerics.Tensors;
using Peft.Tests.Testing;

namespace Peft.Tests.Layers;

public sealed class LinearTensorTests
{
    [Fact]
    public void Tensor_overloads_give_the_span_results()
    {
        var layer = new Linear<double>(3, 2, random: new Random(3));
        var x = FiniteDifference.Random(12, seed: 4);
        var dy = FiniteDifference.Random(8, seed: 5);
        double[] y = new double[8], yTensor = new double[8], dx = new double[12], dxTensor = new double[12];

        layer.Forward(x, y, 4);
        layer.Forward(new ReadOnlyTensorSpan<double>(x, [4, 3]), new TensorSpan<double>(yTensor, [4, 2]));
        Assert.Equal(y, yTensor);

        layer.Backward(x, dy, dx, 4);
        var dW = (double[])layer.Weight.Gradient.Clone();
        layer.ZeroGradients();
        layer.Backward(new ReadOnlyTensorSpan<double>(x, [4, 3]), new ReadOnlyTensorSpan<double>(dy, [4, 2]), new TensorSpan<double>(dxTensor, [4, 3]));
        Assert.Equal(dx, dxTensor);
        Assert.Equal(dW, layer.Weight.Gradient);

        // An empty input gradient skips dX; Tensor<T> converts to a span as well.
        layer.Backward(new ReadOnlyTensorSpan<double>(x, [4, 3]), new ReadOnlyTensorSpan<double>(dy, [4, 2]), TensorSpan<double>.Empty);
        var input = Tensor.Create(x, [4, 3]);
        var output = Tensor.CreateFromShape<double>([4, 2]);
        layer.Forward(input, output);
        Assert.Equal(y, output.ToArray());
    }

    [Fact]
    public void Tensor_shape_mismatches_name_the_shapes()
    {
        var layer = new Linear<float>(3, 2);
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(new ReadOnlyTensorSpan<float>(new float[8], [4, 2]), new TensorSpan<float>(new float[8], [4, 2])));
        Assert.Contains("Linear [2, 3]: input has shape [4, 2], expected [batch, 3]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => layer.Forward(new ReadOnlyTensorSpan<float>(new float[12], [4, 3]), new TensorSpan<float>(new float[6], [3, 2])));
        Assert.Contains("output has shape [3, 2], expected [4, 2]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => layer.Forward(new ReadOnlyTensorSpan<float>(new float[12], [12]), new TensorSpan<float>(new float[8], [4, 2])));
        Assert.Contains("input has shape [12]", ex.Message);

        // A strided (non-contiguous) view: rows of 3 taken from rows of 4.
        ex = Assert.Throws<ArgumentException>(() => layer.Forward(new ReadOnlyTensorSpan<float>(new float[16], [4, 3], [4, 1]), new TensorSpan<float>(new float[8], [4, 2])));
        Assert.Contains("must be dense", ex.Message);
    }
}
