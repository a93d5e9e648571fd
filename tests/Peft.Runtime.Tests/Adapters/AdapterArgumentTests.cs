using Peft.Generated;

namespace Peft.Tests.Adapters;

public sealed class AdapterArgumentTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Rank_must_be_positive(int rank)
    {
        var layer = new Linear<double>(8, 6);
        var lora = Assert.Throws<ArgumentException>(() => layer.AttachLoRA("default", new LoRAOptions { Rank = rank }));
        Assert.Contains($"LoRA rank must be at least 1, got {rank}", lora.Message);
        Assert.Contains("Linear [6, 8]", lora.Message);
        var mora = Assert.Throws<ArgumentException>(() => layer.AttachMoRA("default", new MoRAOptions { Rank = rank }));
        Assert.Contains($"MoRA rank must be at least 1, got {rank}", mora.Message);
        Assert.Empty(layer.Adapters);
    }

    [Fact]
    public void LoRA_rank_above_the_smaller_side_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Linear<float>(8, 6).AttachLoRA("default", new LoRAOptions { Rank = 7 }));
        Assert.Contains("LoRA rank 7 exceeds min(in, out) = min(8, 6) = 6", ex.Message);
    }

    [Fact]
    public void Null_layer_and_null_options_are_rejected_by_name()
    {
        Linear<float>? missing = null;
        Assert.Equal("layer", Assert.Throws<ArgumentNullException>(() => missing!.AttachLoRA("default", new LoRAOptions())).ParamName);
        Assert.Equal("layer", Assert.Throws<ArgumentNullException>(() => missing!.AttachMoRA("default", new MoRAOptions())).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new Linear<float>(4, 4).AttachLoRA("default", null!)).ParamName);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Dropout_outside_zero_to_one_is_rejected(double dropout)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Linear<float>(8, 8).AttachLoRA("default", new LoRAOptions { Rank = 2, Dropout = dropout }));
        Assert.Contains("dropout must be in [0, 1)", ex.Message);
    }

    [Fact]
    public void Kernel_of_another_rank_or_shape_is_a_shape_mismatch()
    {
        var layer = new Linear<double>(8, 6);
        var rank = Assert.Throws<ArgumentException>(() => layer.AttachLoRA("default", new LoRAOptions { Rank = 2 }, new RuntimeLoRAKernel<double>(4)));
        Assert.Contains("kernel computes rank 4, but the options ask for rank 2", rank.Message);
        var shape = Assert.Throws<ArgumentException>(() => layer.AttachLoRA("default", new LoRAOptions { Rank = 2 }, new FixedShapeKernel()));
        Assert.Contains("specialized for Linear [5, 9], shape mismatch", shape.Message);
    }

    [Fact]
    public void Spans_of_the_wrong_length_name_the_layer_shape()
    {
        var layer = new Linear<double>(8, 6);
        layer.AttachLoRA("default", new LoRAOptions { Rank = 2 });
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(new double[15], new double[12], 2));
        Assert.Contains("Linear [6, 8]", ex.Message);
        var lora = layer.Adapters.Active!;
        var values = Assert.Throws<ArgumentException>(() => lora.SetParameters(new double[3]));
        Assert.Contains("parameter vector has 3 elements, expected 28", values.Message);
        var delta = Assert.Throws<ArgumentException>(() => lora.ComputeDeltaWeight(new double[47]));
        Assert.Contains("expected out 6 × in 8 = 48", delta.Message);
    }

    [Fact]
    public void Merging_without_an_adapter_is_refused()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new Linear<double>(3, 3).Adapters.Merge());
        Assert.Contains("no active adapter", ex.Message);
    }

    /// <summary>A kernel that claims a fixed 9 → 5 shape (as a generated one with constant sizes would).</summary>
    private sealed class FixedShapeKernel : ILoRAKernel<double>
    {
        private readonly RuntimeLoRAKernel<double> _inner = new(2);

        public int Rank => 2;

        public int InFeatures => 9;

        public int OutFeatures => 5;

        public void Forward(ReadOnlySpan<double> x, ReadOnlySpan<double> a, ReadOnlySpan<double> b, double scale,
            Span<double> xa, Span<double> y, int batch, int inFeatures, int outFeatures)
            => _inner.Forward(x, a, b, scale, xa, y, batch, inFeatures, outFeatures);

        public void Backward(ReadOnlySpan<double> x, ReadOnlySpan<double> dy, ReadOnlySpan<double> a, ReadOnlySpan<double> b,
            ReadOnlySpan<double> xa, double scale, Span<double> dyB, Span<double> aGradient, Span<double> bGradient,
            Span<double> inputGradient, int batch, int inFeatures, int outFeatures)
            => _inner.Backward(x, dy, a, b, xa, scale, dyB, aGradient, bGradient, inputGradient, batch, inFeatures, outFeatures);

        public void AddDeltaWeight(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double scale, double factor,
            Span<double> weight, int inFeatures, int outFeatures)
            => _inner.AddDeltaWeight(a, b, scale, factor, weight, inFeatures, outFeatures);
    }
}
