namespace Peft.Tests.Layers;

/// <summary><see cref="IForwardInputs{T}"/>: what generated Backward methods size their gradient buffers from.</summary>
public sealed class ForwardInputsTests
{
    [Fact]
    public void Layer_hands_back_its_forward_input()
    {
        var layer = new Linear(3, 2);
        Assert.Throws<InvalidOperationException>(() => layer.ForwardInput(0));
        var x = new Tensor<float>(4, 3);
        layer.Forward(x);
        Assert.Same(x, layer.ForwardInput(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.ForwardInput(1));
    }

    [Fact]
    public void Gated_SiLU_hands_back_gate_and_up()
    {
        var gate = new GatedSiLU<float>();
        Assert.Throws<InvalidOperationException>(() => gate.ForwardInput(0));
        var g = new Tensor<float>(2, 5);
        var u = new Tensor<float>(2, 5);
        gate.Forward(g, u);
        Assert.Same(g, gate.ForwardInput(0));
        Assert.Same(u, gate.ForwardInput(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => gate.ForwardInput(2));
    }
}
