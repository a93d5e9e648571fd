using System.Numerics;

namespace Peft.IO.Tests;

/// <summary>The model of the fixtures: encoder.fc1 (5→6), encoder.fc2 (6→4), head (4→3), embed.weight [7, 5].</summary>
internal sealed class TinyModel<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public TinyModel()
    {
        Encoder = RegisterModule("encoder", new TinyEncoder<T>());
        Head = RegisterModule("head", new Linear<T>(4, 3, random: new Random(3)));
        Embed = RegisterModule("embed", new TinyEmbedding<T>());
    }

    public TinyEncoder<T> Encoder { get; }

    public Linear<T> Head { get; }

    public TinyEmbedding<T> Embed { get; }
}

internal sealed class TinyEncoder<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public TinyEncoder()
    {
        Fc1 = RegisterModule("fc1", new Linear<T>(5, 6, random: new Random(1)));
        Fc2 = RegisterModule("fc2", new Linear<T>(6, 4, random: new Random(2)));
    }

    public Linear<T> Fc1 { get; }

    public Linear<T> Fc2 { get; }
}

internal sealed class TinyEmbedding<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public TinyEmbedding() => Weight = RegisterParameter(new Parameter<T>("weight", [7, 5], ParameterRole.EmbeddingWeight));

    public Parameter<T> Weight { get; }
}
