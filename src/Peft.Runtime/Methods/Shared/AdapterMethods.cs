using System.Collections.Generic;

namespace Peft.Methods;

/// <summary>
/// The registry of adapter methods: adding a method means adding its folder (with its description) and one
/// line here. The diagnostic ids the descriptions name live here too, so the analyzers' descriptor table
/// and the descriptions share one spelling.
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

    /// <summary>Every method, in <see cref="AdapterMethod"/> order.</summary>
    public static IReadOnlyList<AdapterMethodInfo> All { get; } = [LoRAMethod.Info, LoRAPlusMethod.Info, MoRAMethod.Info, DoRAMethod.Info, LoHaMethod.Info, LoKrMethod.Info];

    /// <summary>The description of <paramref name="method"/>.</summary>
    public static AdapterMethodInfo Get(AdapterMethod method) => method switch
    {
        AdapterMethod.LoRA => LoRAMethod.Info,
        AdapterMethod.LoRAPlus => LoRAPlusMethod.Info,
        AdapterMethod.MoRA => MoRAMethod.Info,
        AdapterMethod.DoRA => DoRAMethod.Info,
        AdapterMethod.LoHa => LoHaMethod.Info,
        AdapterMethod.LoKr => LoKrMethod.Info,
    };

    /// <summary>The rank argument every method has: r ≥ 1 (PEFT: "`r` should be a positive integer").</summary>
    public static AdapterArgument Rank(double defaultRank) =>
        new("Rank", AdapterArgumentKind.Int32, defaultRank, "≥ 1", RankBelowOneId, static r => r >= 1);
}
