using Peft.Generators.Tests.Models;

namespace Peft.Generators.Tests;

/// <summary>The generated LoRA+ optimizer factory: each layer's B at the ratio of its own attribute.</summary>
public sealed class OptimizerFactoryTests
{
    [Fact]
    public void EachLoRAPlusLayerTrainsBAtItsOwnRatio()
    {
        var model = new LoRAPlusEqualityModel();
        model.AttachAdapters();
        var groups = model.CreateParameterGroups(1e-3, weightDecay: 0.1);

        // Hidden's ratio (16, the first [LoRAPlus]) is the model's; Tail (4) and Precise (8) get their own groups.
        Assert.Equal(1e-3, GroupOf(groups, B(model.Hidden.Adapters.Active!)).LearningRate / 16, 12);
        Assert.Equal(1e-3 * 4, GroupOf(groups, B(model.Tail.Adapters.Active!)).LearningRate, 12);
        Assert.Equal(1e-3 * 8, GroupOf(groups, B(model.Precise.Adapters.Active!)).LearningRate, 12);
        foreach (var layer in new Module[] { model.Hidden, model.Tail, model.Precise })
        {
            var a = layer.NamedParameters().Single(p => p.Value.Role == ParameterRole.LoRAA).Value;
            Assert.Equal(1e-3, GroupOf(groups, a).LearningRate, 12);
        }

        // The frozen base weights and biases are in no group.
        Assert.DoesNotContain(groups.SelectMany(g => g.Parameters), p => p.Role is ParameterRole.Weight or ParameterRole.Bias);
    }

    private static Parameter B<T>(Adapter<T> adapter)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T> => ((LoRAAdapter<T>)adapter).B;

    private static ParameterGroup GroupOf(ParameterGroup[] groups, Parameter parameter) =>
        Assert.Single(groups, g => g.Parameters.Contains(parameter));
}
