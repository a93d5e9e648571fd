using System.Globalization;

namespace Peft.Llama;

/// <summary>The sample's command line: <c>--model DIR --steps N --out DIR --lr X --batch B --sequence S</c>.</summary>
internal sealed record SampleOptions(string? Model, int Steps, string Output, double LearningRate, int Batch, int Sequence)
{
    public static SampleOptions Parse(string[] args)
    {
        var options = new SampleOptions(null, 200, Path.Combine("out", "llama-lora"), 3e-3, 8, 64);
        for (int i = 0; i < args.Length; i += 2)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"option '{args[i]}' needs a value");
            options = args[i] switch
            {
                "--model" => options with { Model = value },
                "--steps" => options with { Steps = int.Parse(value, CultureInfo.InvariantCulture) },
                "--out" => options with { Output = value },
                "--lr" => options with { LearningRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--batch" => options with { Batch = int.Parse(value, CultureInfo.InvariantCulture) },
                "--sequence" => options with { Sequence = int.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option '{args[i]}'; options: --model DIR, --steps N, --out DIR, --lr X, --batch B, --sequence S"),
            };
        }

        return options;
    }
}
