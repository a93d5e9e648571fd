using System.Collections.Generic;

namespace Peft.Methods;

/// <summary>
/// The registry of adapter methods: adding a method means adding its folder (with its description), its member of
/// <see cref="AdapterMethod"/> and one line in <see cref="All"/> and <see cref="Get"/>, all in this file. The diagnostic ids the
/// descriptions name live here too, so the analyzers' descriptor table and the descriptions share one spelling.
/// </summary>
internal static class AdapterMethods
{
    public const string InvalidLoRAPlusRatioId = "PEFT0001";
    public const string LargeLoRAPlusRatioId = "PEFT0002";
    public const string RankBelowOneId = "PEFT0003";
    public const string RankAboveLayerWidthId = "PEFT0004";
    public const string InvalidAlphaId = "PEFT0005";
    public const string InvalidDropoutId = "PEFT0006";
    public const string UnknownMoRATypeId = "PEFT0007";
    public const string UnknownLoRAInitId = "PEFT0008";
    public const string InvalidLoKrFactorId = "PEFT0017";
    public const string UnknownLoKrInitId = "PEFT0018";
    public const string AdaLoRATargetRankId = "PEFT0019";
    public const string AdaLoRAScheduleId = "PEFT0020";
    public const string AdaLoRAHyperparameterId = "PEFT0021";

    public const string VeRAProjectionsDifferId = "PEFT0022";

    /// <summary>Every method, in <see cref="AdapterMethod"/> order.</summary>
    public static IReadOnlyList<AdapterMethodInfo> All { get; } = [LoRAMethod.Info, LoRAPlusMethod.Info, MoRAMethod.Info, DoRAMethod.Info, AdaLoRAMethod.Info, VeRAMethod.Info, IA3Method.Info, LoHaMethod.Info, LoKrMethod.Info];

    /// <summary>The description of <paramref name="method"/>.</summary>
    public static AdapterMethodInfo Get(AdapterMethod method) => method switch
    {
        AdapterMethod.LoRA => LoRAMethod.Info,
        AdapterMethod.LoRAPlus => LoRAPlusMethod.Info,
        AdapterMethod.MoRA => MoRAMethod.Info,
        AdapterMethod.DoRA => DoRAMethod.Info,
        AdapterMethod.AdaLoRA => AdaLoRAMethod.Info,
        AdapterMethod.VeRA => VeRAMethod.Info,
        AdapterMethod.IA3 => IA3Method.Info,
        AdapterMethod.LoHa => LoHaMethod.Info,
        AdapterMethod.LoKr => LoKrMethod.Info,
    };

    /// <summary>The rank argument every method has: r ≥ 1 (PEFT: "`r` should be a positive integer").</summary>
    public static AdapterArgument Rank(double defaultRank) =>
        new("Rank", AdapterArgumentKind.Int32, defaultRank, "≥ 1", RankBelowOneId, static r => r >= 1);
}

/// <summary>
/// The adapter methods, one per folder under <c>src/Peft.Runtime/Methods</c>, registered beside <see cref="AdapterMethods"/>.
/// This file is compiled into the runtime, the source generator and the analyzers (linked source): every <c>switch</c> over
/// the enum has no <c>default</c>, so adding a member breaks the build (CS8509) at every place that must learn the method.
/// </summary>
internal enum AdapterMethod
{
    /// <summary><c>[LoRA]</c>: <c>y = W0·x + s·B·(A·x)</c>.</summary>
    LoRA,

    /// <summary><c>[LoRAPlus]</c>: the LoRA forward pass, B trained at <c>lr·ratio</c>.</summary>
    LoRAPlus,

    /// <summary><c>[MoRA]</c>: one square matrix M between compression and decompression.</summary>
    MoRA,

    /// <summary><c>[DoRA]</c>: LoRA's direction rescaled per output row, <c>y = b + (m/‖W0 + s·B·A‖) ⊙ (W0·x + s·B·A·x)</c>.</summary>
    DoRA,

    /// <summary><c>[AdaLoRA]</c>: SVD form <c>y = W0·x + α/r·B·(E ⊙ A)·x</c> with a rank budget allocated during training.</summary>
    AdaLoRA,
    /// <summary><c>[VeRA]</c>: shared frozen random projections scaled by trained vectors, <c>y = W0·x + λ_b ⊙ (B·(λ_d ⊙ (A·x)))</c>.</summary>
    VeRA,

    /// <summary><c>[IA3]</c>: a trained vector rescales the output, <c>y = l ⊙ (W0·x + b)</c>, or a feed-forward layer's input.</summary>
    IA3,

    /// <summary><c>[LoHa]</c>: a Hadamard product of two low-rank products, <c>ΔW = s·(W1a·W1b) ⊙ (W2a·W2b)</c>.</summary>
    LoHa,

    /// <summary><c>[LoKr]</c>: a Kronecker product, <c>ΔW = s·(W1 ⊗ W2)</c>, W2 (and W1) optionally low-rank.</summary>
    LoKr,
}
