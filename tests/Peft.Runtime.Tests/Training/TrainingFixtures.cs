using Peft.Training;

namespace Peft.Tests.Training;

/// <summary>Small deterministic models and data for the trainer tests.</summary>
internal static class TrainingFixtures
{
    public const int Features = 4;
    public const int Classes = 3;

    /// <summary>Three Gaussian blobs in 4-D (class c centred at 2·e_c), <paramref name="count"/> examples.</summary>
    public static ArrayDataset Blobs(int count, int seed)
    {
        var random = new Random(seed);
        var features = new float[count * Features];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % Classes;
            for (int f = 0; f < Features; f++)
            {
                features[i * Features + f] = (float)(0.5 * NormalSample.Next(random) + (f == labels[i] ? 2.0 : 0.0));
            }
        }

        return new ArrayDataset(features, Features, labels);
    }

    /// <summary>A 4 → 16 → 3 MLP with seeded weights.</summary>
    public static Sequential Mlp(int seed = 1)
    {
        var random = new Random(seed);
        return new Sequential(new Linear(Features, 16, random: random), new ReLU(), new Linear(16, Classes, random: random));
    }

    /// <summary>The MLP with a frozen base and LoRA+ (rank 2, ratio 16) or LoRA adapters on both layers.</summary>
    public static Sequential AdaptedMlp(bool loraPlus, int seed = 1)
    {
        var model = Mlp(seed);
        AdapterOptions options = loraPlus
            ? new LoRAPlusOptions { Rank = 2, Alpha = 4, Ratio = 16, Seed = 7 }
            : new LoRAOptions { Rank = 2, Alpha = 4, Seed = 7 };
        model.Apply(new AdapterConfig { Options = options, TargetModules = ["0", "2"] });
        return model;
    }

    public static float[] Snapshot(Module model)
        => model.NamedParameters<float>().SelectMany(p => p.Value.Value).ToArray();

    public static string TemporaryDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "peft-trainer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
