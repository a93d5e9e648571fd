using Peft.Methods;

namespace Peft.Tests.Conformance;

/// <summary>
/// One configuration of an adapter method that the conformance suite runs through every check. A new
/// method gets the whole suite by adding its cases here (<see cref="AdapterMethodCases.All"/>); the suite
/// fails while a method of <see cref="AdapterMethod"/> has no case.
/// </summary>
internal sealed class AdapterMethodCase(string name, AdapterMethod method, Func<int, AdapterOptions> options, bool stochastic = false)
{
    public string Name { get; } = name;

    public AdapterMethod Method { get; } = method;

    /// <summary>Whether training-mode forwards draw random masks (dropout): deterministic checks run in evaluation mode.</summary>
    public bool Stochastic { get; } = stochastic;

    public AdapterOptions Options(int rank, bool freezeBase = true) => options(rank) with { FreezeBase = freezeBase };

    public override string ToString() => Name;
}

internal static class AdapterMethodCases
{
    public static readonly AdapterMethodCase[] All =
    [
        new("lora", AdapterMethod.LoRA, rank => new LoRAOptions { Rank = rank, Alpha = 3 }),
        new("rslora", AdapterMethod.LoRA, rank => new LoRAOptions { Rank = rank, Alpha = 3, UseRsLoRA = true, Init = LoRAInit.Gaussian }),
        new("lora-dropout", AdapterMethod.LoRA, rank => new LoRAOptions { Rank = rank, Alpha = 4, Dropout = 0.25 }, stochastic: true),
        new("loraplus", AdapterMethod.LoRAPlus, rank => new LoRAPlusOptions { Rank = rank, Alpha = 5, Ratio = 8 }),
        new("mora-sharing", AdapterMethod.MoRA, rank => new MoRAOptions { Rank = rank }),
        new("mora-rope", AdapterMethod.MoRA, rank => new MoRAOptions { Rank = rank, Type = MoRAType.RoPE }),
    ];

    public static TheoryData<string> Names() => new(All.Select(c => c.Name));

    public static AdapterMethodCase Get(string name) => All.Single(c => c.Name == name);
}
