namespace Peft.Benchmarks.Generated;

// One-layer models the generator specializes at this project's build: constant shapes for the
// standard benchmark shapes (rank, scale and sizes baked in), and shape-generic models per rank
// (rank-specialized, sizes at run time) for any other shape.

internal interface IBenchmarkModel
{
    Linear Layer { get; }

    void AttachAdapters(string adapterName = LinearAdapterExtensions.DefaultName, int seed = 0);
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

internal sealed partial class LoRAAnyShapeR4(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 4, Alpha = 8)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAAnyShapeR32(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 32, Alpha = 64)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR4(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 4, Alpha = 8, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR32(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 32, Alpha = 64, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAAnyShapeR24(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 24, Alpha = 48)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAAnyShapeR64(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 64, Alpha = 128)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAAnyShapeR128(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 128, Alpha = 256)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAAnyShapeR256(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 256, Alpha = 512)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR24(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 24, Alpha = 48, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR64(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 64, Alpha = 128, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR128(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 128, Alpha = 256, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoRAPlusAnyShapeR256(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRAPlus(Rank = 256, Alpha = 512, Ratio = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class MoRAAnyShapeR64(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [MoRA(Rank = 64)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class MoRARoPEAnyShapeR64(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [MoRA(Rank = 64, Type = MoRAType.RoPE)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class DoRA1024 : Module, IBenchmarkModel
{
    [DoRA(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class DoRAAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [DoRA(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoHa1024 : Module, IBenchmarkModel
{
    [LoHa(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class LoHaAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoHa(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class LoKr1024 : Module, IBenchmarkModel
{
    [LoKr(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class LoKrAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoKr(Rank = 8, Alpha = 16)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class AdaLoRA1024 : Module, IBenchmarkModel
{
    [AdaLoRA(Rank = 8, TargetRank = 4, Alpha = 16, TotalSteps = 1_000_000)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class AdaLoRAAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [AdaLoRA(Rank = 8, TargetRank = 4, Alpha = 16, TotalSteps = 1_000_000)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class VeRA1024 : Module, IBenchmarkModel
{
    [VeRA(Rank = 8)]
    public Linear Layer { get; } = new(1024, 1024);
}

internal sealed partial class IA31024 : Module, IBenchmarkModel
{
    [IA3]
    public Linear Layer { get; } = new(1024, 1024);
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

// Rank 12: the largest rank below the crossover the lowrank benchmark compares (generated loops against the GEMM);
// `step --adapter lora --path generated` runs it too.
internal sealed partial class LoRAAnyShapeR12(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [LoRA(Rank = 12, Alpha = 24)]
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

internal sealed partial class MoRARoPEAnyShapeR8(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [MoRA(Rank = 8, Type = MoRAType.RoPE)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

internal sealed partial class MoRARoPEAnyShapeR16(int inFeatures, int outFeatures) : Module, IBenchmarkModel
{
    [MoRA(Rank = 16, Type = MoRAType.RoPE)]
    public Linear Layer { get; } = new(inFeatures, outFeatures);
}

/// <summary>
/// The <c>step --path generated</c> layers: the most specialized generated model for an adapter kind,
/// shape and rank, with its adapters attached (same options as the runtime path: α = 2r, LoRA+ ratio 16).
/// </summary>
internal static class GeneratedStepLayers
{
    public static Linear Create(string adapter, MoRAType moraType, int inFeatures, int outFeatures, int rank)
    {
        IBenchmarkModel model = (adapter == "mora" && moraType == MoRAType.RoPE ? CreateRoPE(inFeatures, outFeatures, rank) : CreateModel(adapter, inFeatures, outFeatures, rank))
            ?? throw new ArgumentException($"No generated model for {adapter} at rank {rank}: the benchmark models are generated for ranks 4, 8, 16, 24, 32, 64, 128 and 256 (LoRA also 12; MoRA: 8, 16 and 64).");
        model.AttachAdapters();
        return model.Layer;
    }

    private static IBenchmarkModel? CreateRoPE(int inFeatures, int outFeatures, int rank) => rank switch
    {
        8 => new MoRARoPEAnyShapeR8(inFeatures, outFeatures),
        16 => new MoRARoPEAnyShapeR16(inFeatures, outFeatures),
        64 => new MoRARoPEAnyShapeR64(inFeatures, outFeatures),
        _ => null,
    };

    private static IBenchmarkModel? CreateModel(string adapter, int inFeatures, int outFeatures, int rank) => (adapter, inFeatures, outFeatures, rank) switch
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
        ("lora", _, _, 4) => new LoRAAnyShapeR4(inFeatures, outFeatures),
        ("dora", 1024, 1024, 8) => new DoRA1024(),
        ("vera", 1024, 1024, 8) => new VeRA1024(),
        ("ia3", 1024, 1024, _) => new IA31024(),
        ("dora", _, _, 8) => new DoRAAnyShapeR8(inFeatures, outFeatures),
        ("loha", 1024, 1024, 8) => new LoHa1024(),
        ("loha", _, _, 8) => new LoHaAnyShapeR8(inFeatures, outFeatures),
        ("lokr", 1024, 1024, 8) => new LoKr1024(),
        ("lokr", _, _, 8) => new LoKrAnyShapeR8(inFeatures, outFeatures),
        ("adalora", 1024, 1024, 8) => new AdaLoRA1024(),
        ("adalora", _, _, 8) => new AdaLoRAAnyShapeR8(inFeatures, outFeatures),
        ("lora", _, _, 8) => new LoRAAnyShapeR8(inFeatures, outFeatures),
        ("lora", _, _, 12) => new LoRAAnyShapeR12(inFeatures, outFeatures),
        ("lora", _, _, 16) => new LoRAAnyShapeR16(inFeatures, outFeatures),
        ("lora", _, _, 32) => new LoRAAnyShapeR32(inFeatures, outFeatures),
        ("loraplus", _, _, 4) => new LoRAPlusAnyShapeR4(inFeatures, outFeatures),
        ("loraplus", _, _, 8) => new LoRAPlusAnyShapeR8(inFeatures, outFeatures),
        ("loraplus", _, _, 16) => new LoRAPlusAnyShapeR16(inFeatures, outFeatures),
        ("loraplus", _, _, 32) => new LoRAPlusAnyShapeR32(inFeatures, outFeatures),
        ("mora", _, _, 8) => new MoRAAnyShapeR8(inFeatures, outFeatures),
        ("mora", _, _, 16) => new MoRAAnyShapeR16(inFeatures, outFeatures),
        ("lora", _, _, 24) => new LoRAAnyShapeR24(inFeatures, outFeatures),
        ("lora", _, _, 64) => new LoRAAnyShapeR64(inFeatures, outFeatures),
        ("lora", _, _, 128) => new LoRAAnyShapeR128(inFeatures, outFeatures),
        ("lora", _, _, 256) => new LoRAAnyShapeR256(inFeatures, outFeatures),
        ("loraplus", _, _, 24) => new LoRAPlusAnyShapeR24(inFeatures, outFeatures),
        ("loraplus", _, _, 64) => new LoRAPlusAnyShapeR64(inFeatures, outFeatures),
        ("loraplus", _, _, 128) => new LoRAPlusAnyShapeR128(inFeatures, outFeatures),
        ("loraplus", _, _, 256) => new LoRAPlusAnyShapeR256(inFeatures, outFeatures),
        ("mora", _, _, 64) => new MoRAAnyShapeR64(inFeatures, outFeatures),
        _ => null,
    };
}
