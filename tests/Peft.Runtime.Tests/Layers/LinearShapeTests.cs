namespace Peft.Tests.Layers;

public sealed class LinearShapeTests
{
    [Fact]
    public void Forward_rejects_input_of_wrong_length_and_names_the_shape()
    {
        var layer = new Linear(3, 2);
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(new float[5], new float[4], 2));
        Assert.Contains("Linear [2, 3]", ex.Message);
        Assert.Contains("expected batch 2 × in 3 = 6", ex.Message);
    }

    [Fact]
    public void Forward_matches_hand_computed_values()
    {
        var layer = new Linear<double>(2, 2);
        layer.Weight.Value.AsSpan().SetTo([1, 2, 3, 4]);
        layer.Bias!.Value.AsSpan().SetTo([0.5, -0.5]);
        var y = new double[2];
        layer.Forward([1, 1], y, 1);
        Assert.Equal([3.5, 6.5], y);
    }

    [Fact]
    public void Module_paths_are_dotted_names()
    {
        var layer = new Linear(3, 2);
        Assert.Equal(["weight", "bias"], layer.NamedParameters().Select(p => p.Key));
    }
}

internal static class SpanTestExtensions
{
    public static void SetTo<T>(this Span<T> span, T[] values) => values.CopyTo(span);
}
