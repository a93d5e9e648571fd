namespace Peft.Generators.Tests.Models;

// Models specialized by the generator at this project's build (it is referenced as an analyzer).
// Shapes are odd, in ≠ out, and one layer per model has a shape known only at run time.

public sealed partial class LoRAEqualityModel : Module, IAdapterModel
{
    public LoRAEqualityModel(int width = 23)
    {
        Runtime = new Linear(width, width + 6);
    }

    [LoRA(Rank = 3, Alpha = 5, Dropout = 0.25)]
    public Linear Odd { get; } = new(33, 17);

    [LoRA(Rank = 8, Alpha = 16, UseRsLoRA = true)]
    public Linear<double> Wide { get; } = new(20, 45, bias: false);

    [LoRA(Rank = 4, Alpha = 4, Init = LoRAInit.Gaussian)]
    public Linear Runtime { get; }
}

public sealed partial class LoRAPlusEqualityModel : Module, IAdapterModel
{
    public LoRAPlusEqualityModel(int width = 19)
    {
        Tail = new Linear(width, 2 * width + 1);
    }

    [LoRAPlus(Rank = 8, Alpha = 16, Ratio = 16)]
    public Linear Hidden { get; } = new(64, 40);

    [LoRAPlus(Rank = 5, Alpha = 10, Ratio = 4)]
    public Linear Tail { get; }

    [LoRAPlus(Rank = 2, Alpha = 3, Ratio = 8)]
    public Linear<double> Precise { get; } = new(7, 130);
}

public sealed partial class MoRAEqualityModel : Module, IAdapterModel
{
    public MoRAEqualityModel(int width = 26)
    {
        RuntimeShape = new Linear(width, width + 15);
    }

    [MoRA(Rank = 4, Type = MoRAType.Sharing)]
    public Linear Sharing { get; } = new(37, 29);

    [MoRA(Rank = 8, Type = MoRAType.RoPE)]
    public Linear RoPE { get; } = new(50, 70);

    [MoRA(Rank = 2, Type = MoRAType.RoPE)]
    public Linear RuntimeShape { get; }

    [MoRA(Rank = 3, Type = MoRAType.Sharing)]
    public Linear<double> Narrow { get; } = new(90, 11);
}

// Run with EqualityTests.ParallelBatch rows: every pass group is above PeftGenerator.ParallelWork, so
// the generated loops run as parallel regions; odd sizes leave partial row chunks, partial column
// blocks (1001 = 3·256 + 233, 777 = 3·256 + 9) and scalar tails; widths of 1024 floats and 1280 doubles
// (multiples of 2 KiB) take the padded-row copies of A and Bᵀ.
public sealed partial class ParallelEqualityModel : Module, IAdapterModel
{
    public ParallelEqualityModel(int width = 517)
    {
        Runtime = new Linear(width, 2 * width + 3);
    }

    [LoRA(Rank = 8, Alpha = 16)]
    public Linear Wide { get; } = new(1001, 777);

    [LoRAPlus(Rank = 16, Alpha = 32, Ratio = 16)]
    public Linear Tall { get; } = new(300, 1024);

    [LoRAPlus(Rank = 6, Alpha = 9, Ratio = 4)]
    public Linear<double> Precise { get; } = new(1280, 515, bias: false);

    [LoRA(Rank = 7, Alpha = 10, UseRsLoRA = true)]
    public Linear Runtime { get; }
}

// Ranks above PeftGenerator.MaxUnrolledRank: the generated kernels call the runtime's GEMM passes (no loops are emitted
// for these ranks); the runtime kernels choose the GEMM at these ranks too.
public sealed partial class HighRankEqualityModel : Module, IAdapterModel
{
    public HighRankEqualityModel(int width = 70)
    {
        Runtime = new Linear(width, width + 20);
    }

    [LoRA(Rank = 40, Alpha = 20)]
    public Linear Wide { get; } = new(70, 50);

    [LoRAPlus(Rank = 24, Alpha = 48, Ratio = 16)]
    public Linear<double> Precise { get; } = new(33, 90, bias: false);

    [LoRA(Rank = 64, Alpha = 16, UseRsLoRA = true)]
    public Linear Runtime { get; }
}
