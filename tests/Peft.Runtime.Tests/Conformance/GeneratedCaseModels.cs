namespace Peft.Tests.Conformance;

/// <summary>
/// What the source generator adds to a conformance model: the annotated layer and <c>AttachAdapters</c>, which attaches
/// the layer's adapter with its generated kernel.
/// </summary>
public interface IGeneratedCaseModel
{
    /// <summary>The annotated 13 → 7 layer (constant shape: the kernel bakes in, besides the rank, in and out).</summary>
    Linear<double> Layer { get; }

    /// <summary>Generated.</summary>
    void AttachAdapters(string adapterName = LinearAdapterExtensions.DefaultName, int seed = 0);
}

// One model per case of AdapterMethodCases, its attribute saying what the case's options say at rank 2.

public sealed partial class LoRACaseModel : Module, IGeneratedCaseModel
{
    [LoRA(Rank = 2, Alpha = 3)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class RsLoRACaseModel : Module, IGeneratedCaseModel
{
    [LoRA(Rank = 2, Alpha = 3, UseRsLoRA = true, Init = LoRAInit.Gaussian)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class LoRADropoutCaseModel : Module, IGeneratedCaseModel
{
    [LoRA(Rank = 2, Alpha = 4, Dropout = 0.25)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class LoRAPlusCaseModel : Module, IGeneratedCaseModel
{
    [LoRAPlus(Rank = 2, Alpha = 5, Ratio = 8)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class MoRASharingCaseModel : Module, IGeneratedCaseModel
{
    [MoRA(Rank = 2)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class MoRARoPECaseModel : Module, IGeneratedCaseModel
{
    [MoRA(Rank = 2, Type = MoRAType.RoPE)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class MoRAGroupedCaseModel : Module, IGeneratedCaseModel
{
    [MoRA(Rank = 2, Type = MoRAType.Grouped)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class MoRAGroupedCompressionCaseModel : Module, IGeneratedCaseModel
{
    [MoRA(Rank = 2, Type = MoRAType.GroupedCompression)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class MoRAGroupedDecompressionCaseModel : Module, IGeneratedCaseModel
{
    [MoRA(Rank = 2, Type = MoRAType.GroupedDecompression)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class DoRACaseModel : Module, IGeneratedCaseModel
{
    [DoRA(Rank = 2, Alpha = 3)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class DoRARsLoRADropoutCaseModel : Module, IGeneratedCaseModel
{
    [DoRA(Rank = 2, Alpha = 4, UseRsLoRA = true, Dropout = 0.25)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class LoHaCaseModel : Module, IGeneratedCaseModel
{
    [LoHa(Rank = 2, Alpha = 3)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class LoHaDropoutCaseModel : Module, IGeneratedCaseModel
{
    [LoHa(Rank = 2, Alpha = 4, RankDropout = 0.25, ModuleDropout = 0.2, InitWeights = false)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class LoKrCaseModel : Module, IGeneratedCaseModel
{
    [LoKr(Rank = 2, Alpha = 3)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class LoKrBothCaseModel : Module, IGeneratedCaseModel
{
    [LoKr(Rank = 2, Alpha = 5, DecomposeBoth = true, Init = LoKrInit.LyCORIS)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class LoKrWholeDropoutCaseModel : Module, IGeneratedCaseModel
{
    [LoKr(Rank = 8, Alpha = 6, RankDropout = 0.3, RankDropoutScale = true, ModuleDropout = 0.2, Init = LoKrInit.Random)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class AdaLoRACaseModel : Module, IGeneratedCaseModel
{
    [AdaLoRA(Rank = 2, TargetRank = 1, Alpha = 3, TotalSteps = 10)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class AdaLoRADropoutCaseModel : Module, IGeneratedCaseModel
{
    [AdaLoRA(Rank = 2, TargetRank = 1, Alpha = 4, Dropout = 0.25, TotalSteps = 10)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class VeRACaseModel : Module, IGeneratedCaseModel
{
    [VeRA(Rank = 2, ProjectionPrngKey = 3)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class VeRADropoutCaseModel : Module, IGeneratedCaseModel
{
    [VeRA(Rank = 2, Dropout = 0.25, DInitial = 0.5)]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class IA3CaseModel : Module, IGeneratedCaseModel
{
    [IA3]
    public Linear<double> Layer { get; } = new(13, 7);
}

public sealed partial class IA3FeedForwardCaseModel : Module, IGeneratedCaseModel
{
    [IA3(FeedForward = true)]
    public Linear<double> Layer { get; } = new(13, 7);
}
