using System.Numerics.Tensors;
using Peft.Tests.Testing;

namespace Peft.Tests.Losses;

public sealed class LossTests
{
    [Fact]
    public void Mean_squared_error_matches_hand_values_and_finite_differences()
    {
        // ((1 − 0)² + (2 − 0)² + (−1 − 1)²) / 3 = 9/3 = 3; gradient 2(p − t)/3.
        var gradient = new double[3];
        Assert.Equal(3.0, MeanSquaredError.Compute<double>([1, 2, -1], [0, 0, 1], gradient), 15);
        Assert.Equal([2 / 3.0, 4 / 3.0, -4 / 3.0], gradient);
        Assert.Equal(3.0, MeanSquaredError.Compute<double>([1, 2, -1], [0, 0, 1], []), 15);

        var prediction = FiniteDifference.Random(12, seed: 1);
        var target = FiniteDifference.Random(12, seed: 2);
        var analytic = new double[12];
        MeanSquaredError.Compute<double>(prediction, target, analytic);
        FiniteDifference.Check(p => MeanSquaredError.Compute<double>(p, target, []), prediction, analytic, "MSE");
    }

    [Fact]
    public void Cross_entropy_matches_hand_values_and_finite_differences()
    {
        // Two equal logits: ℓ = log 2, softmax = ½ → gradient (½ − 1, ½)/1.
        var gradient = new double[2];
        Assert.Equal(Math.Log(2), SoftmaxCrossEntropy.Compute<double>([3.0, 3.0], [0], gradient), 15);
        Assert.Equal([-0.5, 0.5], gradient);

        // Rows [1, 2, 3] → target 2 and [0, 0, 0] → target 0, mean of the two:
        // ℓ₁ = log(e + e² + e³) − 3, ℓ₂ = log 3.
        double expected = (Math.Log(Math.E + Math.Exp(2) + Math.Exp(3)) - 3 + Math.Log(3)) / 2;
        Assert.Equal(expected, SoftmaxCrossEntropy.Compute<double>([1, 2, 3, 0, 0, 0], [2, 0], []), 14);

        var logits = FiniteDifference.Random(5 * 4, seed: 3, scale: 3.0);
        int[] targets = [3, 0, 1, 1, 2];
        var analytic = new double[20];
        SoftmaxCrossEntropy.Compute<double>(logits, targets, analytic);
        FiniteDifference.Check(z => SoftmaxCrossEntropy.Compute<double>(z, targets, []), logits, analytic, "cross-entropy");
    }

    [Fact]
    public void Cross_entropy_is_stable_for_huge_logits_and_may_overwrite_its_input()
    {
        // log-sum-exp subtracts the row maximum: logits 1000 and 0 give ℓ = log(1 + e^{−1000}) ≈ 0 for target 0.
        double[] logits = [1000.0, 0.0, 1000.0, 0.0];
        Assert.Equal(Math.Log(1 + Math.Exp(-1000.0)) + (1000.0 + Math.Log(1 + Math.Exp(-1000.0))), 2 * SoftmaxCrossEntropy.Compute<double>(logits, [0, 1], logits), 12);
        Assert.Equal([0.0, 0.0, 0.5, -0.5], logits);
        Assert.Equal(MathF.Log(2f), SoftmaxCrossEntropy.Compute<float>([88f, 88f], [1], []), 6);
    }

    [Fact]
    public void NaN_inputs_throw_naming_the_element()
    {
        var ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>([0, 1, 2, 3, double.NaN, 5], [0, 1], new double[6]));
        Assert.Contains("logits[row 1, column 1] is NaN", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<float>([1f, 2f], [0f, float.PositiveInfinity], []));
        Assert.Contains("target[1] is Infinity", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<double>([1e200, 0], [-1e200, 0], []));
        Assert.Contains("every input is finite but the loss is Infinity (overflow)", ex.Message);
    }

    [Fact]
    public void Bad_shapes_and_targets_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<double>(new double[3], new double[4], []));
        Assert.Contains("prediction has 3 elements and target 4", ex.Message);
        Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<double>(new double[3], new double[3], new double[2]));
        Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute<double>([], [], []));
        ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>(new double[7], [0, 1], []));
        Assert.Contains("logits have 7 elements, which is not a positive multiple of the 2 targets", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>(new double[6], [0, 3], []));
        Assert.Contains("target of row 1 is 3, outside [0, 3)", ex.Message);
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>(new double[6], [0, -1], []));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute<double>(new double[6], [0, 1], new double[5]));
    }

    [Fact]
    public void Tensor_overloads_check_shapes_and_give_the_span_results()
    {
        var p = FiniteDifference.Random(6, seed: 5);
        var t = FiniteDifference.Random(6, seed: 6);
        double[] g = new double[6], gTensor = new double[6];
        double loss = MeanSquaredError.Compute<double>(p, t, g);
        Assert.Equal(loss, MeanSquaredError.Compute(new ReadOnlyTensorSpan<double>(p, [2, 3]), new ReadOnlyTensorSpan<double>(t, [2, 3]), new TensorSpan<double>(gTensor, [2, 3])));
        Assert.Equal(g, gTensor);
        var ex = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute(new ReadOnlyTensorSpan<double>(p, [2, 3]), new ReadOnlyTensorSpan<double>(t, [3, 2]), TensorSpan<double>.Empty));
        Assert.Contains("target has shape [3, 2], expected [2, 3]", ex.Message);

        loss = SoftmaxCrossEntropy.Compute<double>(p, [2, 0], g);
        Assert.Equal(loss, SoftmaxCrossEntropy.Compute(new ReadOnlyTensorSpan<double>(p, [2, 3]), [2, 0], new TensorSpan<double>(gTensor, [2, 3])));
        Assert.Equal(g, gTensor);
        ex = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute(new ReadOnlyTensorSpan<double>(p, [3, 2]), [2, 0], TensorSpan<double>.Empty));
        Assert.Contains("logits has shape [3, 2], expected [2, features]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => MeanSquaredError.Compute(new ReadOnlyTensorSpan<double>([1.0, double.NaN, 0, 0], [2, 2]), new ReadOnlyTensorSpan<double>(new double[4], [2, 2]), TensorSpan<double>.Empty));
        Assert.Contains("prediction[row 0, column 1] is NaN", ex.Message);
    }
}
