namespace Peft.Benchmarks.Generated;

// One-layer models the generator specializes at this project's build: constant shapes for the
// standard benchmark shapes (rank, scale and sizes baked in), and shape-generic models per rank
// (rank-specialized, sizes at run time) for any other shape.

internal interface IBenchmarkModel
{
    Linear Layer { get; }

    void AttachAdapters(string adapterName = LinearAdapterExtensions.DefaultName, int seed = 0);

    AdamW CreateOptimizer(double learningRate, double weightDecay = 0.0, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8);
}

internal sealed partial class LoRA768 : Module, IBenchmarkModel
{
    [LoRA(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(768, 768);
}

internal sealed partial class LoRA1024 : Module, IBenchmarkModel
{
    [LoRA(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class LoRA2048R16 : Module, IBenchmarkModel
{
    [LoRA(Rank = 16, Alpha = 32)]
    public Linear Layer { get; } = new(2048, 2048);
}

internal sealed partial class LoRAPlus768 : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
    public Linear Layer { get; } = new(768, 768);
}

internal sealed partial class LoRAPlus1024 : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class LoRAPlus2048R16 : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 16, Alpha = 32, Ratio = 16)]
    public Linear Layer { get; } = new(2048, 2048);
}

internal sealed partial class MoRA768 : Module, IBenchmarkModel
{
    [MoRA(Rank = 8)]
    public Linear Layer { get; } = new(768, 768);
}

internal sealed partial class MoRA1024 : Module, IBenchmarkModel
{
    [MoRA(Rank = 8)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class MoRA2048R16 : Module, IBenchmarkModel
{
    [MoRA(Rank = 16)]
    public Linear Layer { get; } = new(2048, 2048);
}

internal sealed partial class LoRAAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAAnyShapeR16(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 16, Alpha = 32)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR16(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 16, Alpha = 32, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class MoRAAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [MoRA(Rank = 8)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class MoRAAnyShapeR16(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [MoRA(Rank = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

/// <summary>Picks the most specialized generated model for an adapter kind, shape and rank.</summary>
internal static class BenchmarkModels
{
    public static IBenchmarkModel? Create(string adapter, int inFeatures, int outFeatures, int rank) => (adapter, inFeatures, outFeatures, rank) switch
    {
        ("lora", 768, 768, 8) => new LoRA768(),
        ("lora", 1024, 1024, 8) => new LoRA1024(),
        ("lora", 2048, 2048, 16) => new LoRA2048R16(),
        ("loraplus", 768, 768, 8) => new LoRAPlus768(),
        ("loraplus", 1024, 1024, 8) => new LoRAPlus1024(),
        ("loraplus", 2048, 2048, 16) => new LoRAPlus2048R16(),
        ("mora", 768, 768, 8) => new MoRA768(),
        ("mora", 1024, 1024, 8) => new MoRA1024(),
        ("mora", 2048, 2048, 16) => new MoRA2048R16(),
        ("lora", _, _, 8) => new LoRAAnyShapeR8(inFeatures, outFeatures),
        ("lora", _, _, 16) => new LoRAAnyShapeR16(inFeatures, outFeatures),
        ("loraplus", _, _, 8) => new LoRAPlusAnyShapeR8(inFeatures, outFeatures),
        ("loraplus", _, _, 16) => new LoRAPlusAnyShapeR16(inFeatures, outFeatures),
        ("mora", _, _, 8) => new MoRAAnyShapeR8(inFeatures, outFeatures),
        ("mora", _, _, 16) => new MoRAAnyShapeR16(inFeatures, outFeatures),
        _ => null,
    };

    /// <summary>The options of the generated model's adapter, so the runtime path attaches the very same configuration.</summary>
    public static AdapterOptions OptionsOf(Adapter<float> adapter) => adapter switch
    {
        LoRAAdapter<float> lora => lora.Options,
        MoRAAdapter<float> mora => mora.Options,
        _ => throw new InvalidOperationException(adapter.GetType().Name),
    };
}
