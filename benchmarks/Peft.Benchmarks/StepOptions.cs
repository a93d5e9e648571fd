using Peft;

namespace Peft.Benchmarks;

/// <summary>Command line of the <c>step</c> benchmark.</summary>
internal sealed record StepOptions(string Adapter, MoRAType MoRAType, IReadOnlyList<(int N, int In, int Out, int R)> Shapes, double Seconds)
{
    /// <summary><c>--path runtime|generated</c>: the runtime kernels, or the kernels the generator specialized (Generated/).</summary>
    public string Path { get; init; } = "runtime";

    /// <summary><c>--mode step|adapter</c>: a whole training step, or the adapter path alone (base GEMMs and update excluded).</summary>
    public string Mode { get; init; } = "step";

    public const string DefaultShapes = "64x768x768x8,512x1024x1024x8,256x2048x2048x16";

    /// <summary>Parses <c>--adapter</c>, <c>--mora-type</c>, <c>--shapes</c>, <c>--seconds</c>; null when invalid.</summary>
    public static StepOptions? Parse(string[] args)
    {
        string adapter = "loraplus", moraType = "sharing", shapes = DefaultShapes, path = "runtime", mode = "step";
        double seconds = 1.5;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--adapter": adapter = args[i + 1]; break;
                case "--mora-type": moraType = args[i + 1]; break;
                case "--shapes": shapes = args[i + 1]; break;
                case "--path": path = args[i + 1]; break;
                case "--mode": mode = args[i + 1]; break;
                case "--seconds": seconds = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }

        if (args.Length % 2 != 0 || adapter is not ("lora" or "loraplus" or "mora" or "dora" or "adalora" or "vera" or "ia3" or "loha" or "lokr") || moraType is not ("sharing" or "rope") ||
            path is not ("runtime" or "generated") || mode is not ("step" or "adapter"))
        {
            return null;
        }

        var parsed = new List<(int, int, int, int)>();
        foreach (var shape in shapes.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = shape.Split('x');
            if (parts.Length != 4 || !parts.All(p => int.TryParse(p, out int v) && v > 0))
            {
                return null;
            }

            parsed.Add((int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]), int.Parse(parts[3])));
        }

        return new StepOptions(adapter, moraType == "rope" ? MoRAType.RoPE : MoRAType.Sharing, parsed, seconds) { Path = path, Mode = mode };
    }
}
