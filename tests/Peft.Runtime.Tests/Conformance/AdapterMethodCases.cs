using Peft.Methods;

namespace Peft.Tests.Conformance;

/// <summary>
/// One configuration of an adapter method that the conformance suite runs through every check. A new
/// method gets the whole suite by adding its cases here (<see cref="AdapterMethodCases.All"/>); the suite
/// fails while a method of <see cref="AdapterMethod"/> has no case.
/// </summary>
internal sealed class AdapterMethodCase(
    string name,
    AdapterMethod method,
    Func<int, AdapterOptions> options,
    Func<IGeneratedCaseModel> generated,
    bool stochastic = false,
    Action<Adapter<double>>? holdConstants = null,
    bool generatedKernel = true)
{
    public string Name { get; } = name;

    public AdapterMethod Method { get; } = method;

    /// <summary>Whether training-mode forwards draw random masks (dropout): deterministic checks run in evaluation mode.</summary>
    public bool Stochastic { get; } = stochastic;

    /// <summary>Whether the generator writes the layer's kernel; false: the generated code attaches the runtime kernel (MoRA's grouped types).</summary>
    public bool GeneratedKernel { get; } = generatedKernel;

    public AdapterOptions Options(int rank, bool freezeBase = true) => options(rank) with { FreezeBase = freezeBase };

    /// <summary>A new model whose generated <c>AttachAdapters</c> attaches <see cref="Options"/> at rank 2 with the generated kernel.</summary>
    public IGeneratedCaseModel CreateGenerated() => generated();

    /// <summary>
    /// Freezes what the method's gradient treats as a constant (DoRA's row norm, detached as in PEFT), so that central
    /// differences see the same function as the analytic gradient. Nothing for most methods.
    /// </summary>
    public void HoldConstants(Adapter<double> adapter) => holdConstants?.Invoke(adapter);

    public override string ToString() => Name;
}

internal static class AdapterMethodCases
{
    public static readonly AdapterMethodCase[] All =
    [
        new("lora", AdapterMethod.LoRA, rank => new LoRAOptions { Rank = rank, Alpha = 3 }, () => new LoRACaseModel()),
        new("rslora", AdapterMethod.LoRA, rank => new LoRAOptions { Rank = rank, Alpha = 3, UseRsLoRA = true, Init = LoRAInit.Gaussian },
            () => new RsLoRACaseModel()),
        new("lora-dropout", AdapterMethod.LoRA, rank => new LoRAOptions { Rank = rank, Alpha = 4, Dropout = 0.25 }, () => new LoRADropoutCaseModel(),
            stochastic: true),
        new("loraplus", AdapterMethod.LoRAPlus, rank => new LoRAPlusOptions { Rank = rank, Alpha = 5, Ratio = 8 }, () => new LoRAPlusCaseModel()),
        new("mora-sharing", AdapterMethod.MoRA, rank => new MoRAOptions { Rank = rank }, () => new MoRASharingCaseModel()),
        new("mora-rope", AdapterMethod.MoRA, rank => new MoRAOptions { Rank = rank, Type = MoRAType.RoPE }, () => new MoRARoPECaseModel()),
        new("mora-grouped", AdapterMethod.MoRA, rank => new MoRAOptions { Rank = rank, Type = MoRAType.Grouped }, () => new MoRAGroupedCaseModel(),
            generatedKernel: false),
        new("mora-grouped-compression", AdapterMethod.MoRA, rank => new MoRAOptions { Rank = rank, Type = MoRAType.GroupedCompression },
            () => new MoRAGroupedCompressionCaseModel(), generatedKernel: false),
        new("mora-grouped-decompression", AdapterMethod.MoRA, rank => new MoRAOptions { Rank = rank, Type = MoRAType.GroupedDecompression },
            () => new MoRAGroupedDecompressionCaseModel(), generatedKernel: false),
        new("dora", AdapterMethod.DoRA, rank => new DoRAOptions { Rank = rank, Alpha = 3 }, () => new DoRACaseModel(), holdConstants: HoldDoRANorm),
        new("dora-rslora-dropout", AdapterMethod.DoRA, rank => new DoRAOptions { Rank = rank, Alpha = 4, UseRsLoRA = true, Dropout = 0.25 },
            () => new DoRARsLoRADropoutCaseModel(), stochastic: true, holdConstants: HoldDoRANorm),
        new("loha", AdapterMethod.LoHa, rank => new LoHaOptions { Rank = rank, Alpha = 3 }, () => new LoHaCaseModel()),
        new("loha-dropout", AdapterMethod.LoHa, rank => new LoHaOptions { Rank = rank, Alpha = 4, RankDropout = 0.25, ModuleDropout = 0.2, InitWeights = false },
            () => new LoHaDropoutCaseModel(), stochastic: true),
        new("lokr", AdapterMethod.LoKr, rank => new LoKrOptions { Rank = rank, Alpha = 3 }, () => new LoKrCaseModel()),
        new("lokr-both-lycoris", AdapterMethod.LoKr, rank => new LoKrOptions { Rank = rank, Alpha = 5, DecomposeBoth = true, Init = LoKrInit.LyCORIS },
            () => new LoKrBothCaseModel()),

        // Rank 4r: r = 8 at rank 2 keeps W2 [7, 13] whole on the 13 → 7 layer (2r ≥ max(b, d)).
        new("lokr-whole-w2-dropout", AdapterMethod.LoKr,
            rank => new LoKrOptions { Rank = 4 * rank, Alpha = 6, RankDropout = 0.3, RankDropoutScale = true, ModuleDropout = 0.2, Init = LoKrInit.Random },
            () => new LoKrWholeDropoutCaseModel(), stochastic: true),
        new("adalora", AdapterMethod.AdaLoRA, rank => new AdaLoRAOptions { Rank = rank, TargetRank = rank - 1, Alpha = 3, TotalSteps = 10 },
            () => new AdaLoRACaseModel()),
        new("adalora-dropout", AdapterMethod.AdaLoRA,
            rank => new AdaLoRAOptions { Rank = rank, TargetRank = rank - 1, Alpha = 4, Dropout = 0.25, TotalSteps = 10 },
            () => new AdaLoRADropoutCaseModel(), stochastic: true),
        new("vera", AdapterMethod.VeRA, rank => new VeRAOptions { Rank = rank, ProjectionPrngKey = 3 }, () => new VeRACaseModel()),
        new("vera-dropout", AdapterMethod.VeRA, rank => new VeRAOptions { Rank = rank, Dropout = 0.25, DInitial = 0.5 }, () => new VeRADropoutCaseModel(),
            stochastic: true),
        new("ia3", AdapterMethod.IA3, _ => new IA3Options(), () => new IA3CaseModel()),
        new("ia3-feedforward", AdapterMethod.IA3, _ => new IA3Options { FeedForward = true }, () => new IA3FeedForwardCaseModel()),
    ];

    /// <summary>DoRA's ‖W0 + s·B·A‖_row is a constant of its gradient (PEFT's <c>weight_norm.detach()</c>).</summary>
    private static void HoldDoRANorm(Adapter<double> adapter) => ((DoRAAdapter<double>)adapter).NormHeld = true;

    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    public static AdapterMethodCase Get(string name) => All.Single(c => c.Name == name);
}
