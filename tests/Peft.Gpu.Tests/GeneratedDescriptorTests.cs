using Peft.Gpu.Training;

namespace Peft.Gpu.Tests;

/// <summary>A model whose layers the GPU step has plans for, and some it has none for (no descriptor is generated).</summary>
public sealed partial class GpuDescribedModel : Module
{
    public GpuDescribedModel(int width = 40)
    {
        Runtime = new Linear(width, width + 8);
    }

    [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
    public Linear Hidden { get; } = new(64, 48);

    [LoRA(Rank = 4, Alpha = 8, UseRsLoRA = true)]
    public Linear Projection { get; } = new(48, 32, bias: false);

    [MoRA(Rank = 4, Type = MoRAType.Sharing)]
    public Linear Shared { get; } = new(32, 24);

    [MoRA(Rank = 4, Type = MoRAType.RoPE)]
    public Linear Rotated { get; } = new(24, 40);

    [LoRA(Rank = 2, Alpha = 4)]
    public Linear Runtime { get; }

    [LoRA(Rank = 2, Alpha = 4, Dropout = 0.1)]
    public Linear WithDropout { get; } = new(16, 16);

    [LoRA(Rank = 2, Alpha = 4)]
    public Linear<double> Precise { get; } = new(16, 16);
}

/// <summary>
/// The descriptors the generator emits for a model that references Peft.Gpu: equal to what Peft.Gpu derives from the
/// attached layers, and checked by <c>ToGpu(descriptor)</c> (all without a device).
/// </summary>
public sealed class GeneratedDescriptorTests
{
    [Fact]
    public void Generated_descriptors_equal_the_layers_own()
    {
        var model = new GpuDescribedModel();
        model.AttachAdapters();
        (Linear Layer, AdaptedLinearDescriptor Generated)[] cases =
        [
            (model.Hidden, model.HiddenGpuDescriptor(16)),
            (model.Projection, model.ProjectionGpuDescriptor(8, inputGradient: true)),
            (model.Shared, model.SharedGpuDescriptor(4)),
            (model.Rotated, model.RotatedGpuDescriptor(4)),
            (model.Runtime, model.RuntimeGpuDescriptor(2)),
        ];
        foreach (var (layer, generated) in cases)
        {
            var (expected, _) = GpuAdaptedLinear.Describe(layer, generated.Batch, generated.ComputeInputGradient);
            Assert.Equal(expected, generated);
            GpuLinearExtensions.CheckDescribes(generated, layer);
        }

        Assert.Equal(GpuAdapterKind.MoRARoPE, model.RotatedGpuDescriptor(1).Kind);
        Assert.False(model.ProjectionGpuDescriptor(1).HasBias);
        Assert.Equal(48, model.RuntimeGpuDescriptor(1).OutFeatures);
    }

    [Fact]
    public void Layers_without_a_GPU_plan_get_no_descriptor()
    {
        string[] methods = typeof(GpuDescribedModel).GetMethods().Select(m => m.Name).Where(n => n.EndsWith("GpuDescriptor", StringComparison.Ordinal)).Order().ToArray();
        Assert.Equal(["HiddenGpuDescriptor", "ProjectionGpuDescriptor", "RotatedGpuDescriptor", "RuntimeGpuDescriptor", "SharedGpuDescriptor"], methods);
    }

    [Fact]
    public void A_descriptor_of_other_options_is_refused_naming_the_fields()
    {
        var model = new GpuDescribedModel();
        model.Hidden.IsFrozen = true;
        model.Hidden.AttachLoRA("default", new LoRAOptions { Rank = 4, Alpha = 16 });
        var error = Assert.Throws<ArgumentException>(() => GpuLinearExtensions.CheckDescribes(model.HiddenGpuDescriptor(16), model.Hidden));
        Assert.Contains("Rank 8 (the layer: 4)", error.Message);
        Assert.Contains("Scale 2 (the layer: 4)", error.Message);
        Assert.Contains("GPU Linear [48, 64]", error.Message);
    }
}
