using Peft.Tests.Testing;

namespace Peft.Generators.Tests.Modules;

/// <summary>
/// The Backward the module generator writes (for the models in BackwardModels.cs) against the same model built
/// from <see cref="Sequential{T}"/> / <see cref="Residual{T}"/>, and against central finite differences in double;
/// plus the children <c>RegisterMembers</c> registers.
/// </summary>
public sealed class GeneratedBackwardTests
{
    [Fact]
    public void ChainOfLayersMatchesSequential()
    {
        var model = new Mlp();
        var hidden = Copy(model.Hidden);
        var output = Copy(model.Output);
        var reference = new Sequential<double>(hidden, new ReLU<double>(), output);

        var x = RandomTensor(11, 3, 5);
        var dy = RandomTensor(12, 3, 3);
        AssertMatches(model, reference, x, dy, (model.Hidden, hidden), (model.Output, output));
    }

    [Fact]
    public void ResidualThroughAddMatchesResidualContainer()
    {
        var model = new ResidualMlp();
        var up = Copy(model.Up);
        var down = Copy(model.Down);
        var head = Copy(model.Head);
        var reference = new Sequential<double>(up, new Residual<double>(new Sequential<double>(new GELU<double>(), down)), head);

        var x = RandomTensor(13, 2, 3, 4);
        var dy = RandomTensor(14, 2, 3, 2);
        AssertMatches(model, reference, x, dy, (model.Up, up), (model.Down, down), (model.Head, head));
    }

    [Fact]
    public void GeneratedModuleInsideGeneratedModuleMatchesResidualContainer()
    {
        // Wrapper: y = x + Inner(x), the input used twice; Inner is itself generated (an ILayer<double>).
        var model = new Wrapper();
        var inner = new ResidualMlpSquare();
        CopyInto(model.Inner.First, inner.First);
        CopyInto(model.Inner.Second, inner.Second);
        var reference = new Residual<double>(inner);

        var x = RandomTensor(15, 5, 4);
        var dy = RandomTensor(16, 5, 4);
        AssertMatches(model, reference, x, dy, (model.Inner.First, inner.First), (model.Inner.Second, inner.Second));
    }

    [Fact]
    public void ResidualBackwardMatchesFiniteDifferences()
    {
        var model = new ResidualMlp();
        CheckFiniteDifferences(model, RandomTensor(17, 3, 4), model.Up, model.Down, model.Head);
    }

    [Fact]
    public void InputUsedTwiceMatchesFiniteDifferences()
    {
        var model = new Wrapper();
        CheckFiniteDifferences(model, RandomTensor(18, 2, 4), model.Inner.First, model.Inner.Second);
    }

    [Fact]
    public void GatedMlpMatchesFiniteDifferences()
    {
        // A two-input module (GatedSiLU: Backward(dY, dGate, dUp)) fed by two projections of one input.
        var model = new SwiGluMlp();
        CheckFiniteDifferences(model, RandomTensor(24, 2, 3, 4), model.Gate, model.Up, model.Down);
    }

    [Fact]
    public void ConvenienceBackwardSkipsTheInputGradient()
    {
        var model = new Mlp();
        var x = RandomTensor(19, 2, 5);
        var dy = RandomTensor(20, 2, 3);
        model.Forward(x);
        model.Backward(dy, RandomTensor(21, 2, 5));
        double[] expected = model.Hidden.Weight.Gradient.ToArray();

        model.ZeroGradients();
        model.Forward(x);
        model.Backward(dy);
        Assert.Equal(expected, model.Hidden.Weight.Gradient);
        Assert.Same(x, model.ForwardInput(0));
    }

    [Fact]
    public void MembersAreChildrenNamedAfterThem()
    {
        Assert.Equal(["Hidden.weight", "Hidden.bias", "Output.weight", "Output.bias"], new Mlp().NamedParameters().Select(p => p.Key));
        Assert.Equal(["Up", "Activation", "Down", "Skip", "Head"], new ResidualMlp().Children.Select(c => c.Key));
        Assert.Equal(["", "Inner", "Inner.First", "Inner.Activation", "Inner.Second", "Skip"], new Wrapper().NamedModules().Select(m => m.Key));
    }

    [Fact]
    public void MemberInsideRegisteredSequentialHasOnePath()
    {
        // Stack (declared first) holds Inner: Inner is reachable as Stack.0 and is not registered again.
        var model = new Stacked();
        Assert.Equal(["Stack"], model.Children.Select(c => c.Key));
        Assert.Equal(["Stack.0.weight", "Stack.0.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Same(model.Inner, model.FindModule("Stack.0"));
    }

    [Fact]
    public void SteadyStateStepAllocatesNothing()
    {
        var model = new ResidualMlp();
        var x = RandomTensor(22, 4, 4);
        var dy = RandomTensor(23, 4, 2);
        var dx = new Tensor<double>(4, 4);
        for (int i = 0; i < 3; i++)
        {
            model.Forward(x);
            model.Backward(dy, dx);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            model.Forward(x);
            model.Backward(dy, dx);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Forward outputs, parameter gradients and the input gradient of the model equal the reference's.</summary>
    private static void AssertMatches(ILayer<double> model, ILayer<double> reference, Tensor<double> x, Tensor<double> dy,
        params (Linear<double> Model, Linear<double> Reference)[] layers)
    {
        // Two steps: the second checks that the gradient buffers are re-zeroed and the parameter gradients accumulate alike.
        var dxModel = new Tensor<double>(x.Shape);
        var dxReference = new Tensor<double>(x.Shape);
        for (int step = 0; step < 2; step++)
        {
            AssertClose(reference.Forward(x).Span, model.Forward(x).Span, "forward output");
            model.Backward(dy, dxModel);
            reference.Backward(dy, dxReference);
        }

        AssertClose(dxReference.Span, dxModel.Span, "input gradient");
        foreach (var (m, r) in layers)
        {
            AssertClose(r.Weight.Gradient, m.Weight.Gradient, "weight gradient");
            AssertClose(r.Bias!.Gradient, m.Bias!.Gradient, "bias gradient");
        }
    }

    /// <summary>L = Σ c ⊙ y for a fixed c: dL/dy = c; every analytic gradient against central differences.</summary>
    private static void CheckFiniteDifferences(ILayer<double> model, Tensor<double> x, params Linear<double>[] layers)
    {
        var c = RandomTensor(99, model.Forward(x).Shape.ToArray());
        double Loss()
        {
            var y = model.Forward(x).Span;
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                sum += c.Span[i] * y[i];
            }

            return sum;
        }

        ((Module)model).ZeroGradients();
        model.Forward(x);
        var dx = new Tensor<double>(x.Shape);
        model.Backward(c, dx);

        double[] input = x.Span.ToArray();
        var wrapped = Tensor<double>.Wrap(input, x.Shape);
        FiniteDifference.CheckInPlace(input, () => { x = wrapped; return Loss(); }, dx.Span, "dL/dx");
        foreach (var layer in layers)
        {
            FiniteDifference.CheckInPlace(layer.Weight.Value, Loss, layer.Weight.Gradient, "dL/dW");
            FiniteDifference.CheckInPlace(layer.Bias!.Value, Loss, layer.Bias.Gradient, "dL/db");
        }
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static Linear<double> Copy(Linear<double> source)
    {
        var copy = new Linear<double>(source.InFeatures, source.OutFeatures);
        CopyInto(source, copy);
        return copy;
    }

    private static void CopyInto(Linear<double> source, Linear<double> target)
    {
        source.Weight.Value.CopyTo(target.Weight.Value, 0);
        source.Bias!.Value.CopyTo(target.Bias!.Value, 0);
    }

    private static Tensor<double> RandomTensor(int seed, params int[] shape)
    {
        var random = new Random(seed);
        var tensor = new Tensor<double>(shape);
        foreach (ref double value in tensor.Span)
        {
            value = random.NextDouble() * 2 - 1;
        }

        return tensor;
    }
}
