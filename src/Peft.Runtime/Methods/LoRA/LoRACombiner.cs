using System.Numerics;

namespace Peft;

/// <summary>The math of <see cref="LoRACombination"/>: builds a new LoRA adapter from existing ones on one layer.</summary>
internal static class LoRACombiner
{
    public static LoRAAdapter<T> Combine<T>(
        Linear<T> layer, string name, IReadOnlyList<string> adapters, IReadOnlyList<double> weights, LoRACombination combination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(weights);
        string context = $"Combining adapters into '{name}' on Linear [{layer.OutFeatures}, {layer.InFeatures}]";
        if (adapters.Count == 0 || adapters.Count != weights.Count)
        {
            throw new ArgumentException($"{context}: needs one weight per adapter, got {adapters.Count} adapters and {weights.Count} weights.");
        }

        var sources = new LoRAAdapter<T>[adapters.Count];
        for (int i = 0; i < sources.Length; i++)
        {
            // DoRA's magnitudes do not combine linearly (PEFT's add_weighted_adapter rejects DoRA and AdaLoRA too).
            sources[i] = layer.Adapters[adapters[i]] is LoRAAdapter<T> and not (DoRAAdapter<T> or AdaLoRAAdapter<T>)
                ? (LoRAAdapter<T>)layer.Adapters[adapters[i]]
                : throw new ArgumentException($"{context}: adapter '{adapters[i]}' is not a LoRA adapter; only LoRA adapters combine.");
            if (!double.IsFinite(weights[i]))
            {
                throw new ArgumentException($"{context}: weight {weights[i]} of adapter '{adapters[i]}' is not finite.");
            }
        }

        int rank = 0;
        foreach (var source in sources)
        {
            if (combination == LoRACombination.Linear && source.Rank != sources[0].Rank)
            {
                throw new ArgumentException(
                    $"{context}: linear combination needs equal ranks, but '{sources[0].Name}' has rank {sources[0].Rank} and '{source.Name}' rank {source.Rank} (shape mismatch); use Concatenation.");
            }

            rank = combination == LoRACombination.Linear ? source.Rank : rank + source.Rank;
        }

        // The new adapter has α = r, so s = 1: every scale is folded into A and B.
        var options = new LoRAOptions { Rank = rank, Alpha = rank, FreezeBase = layer.IsFrozen };
        var combined = LoRAAdapter<T>.Create(layer, name, options, kernel: null, checkRankLimit: false);
        Array.Clear(combined.A.Value);
        int inF = layer.InFeatures;
        int outF = layer.OutFeatures;
        int offset = 0;
        for (int i = 0; i < sources.Length; i++)
        {
            var source = sources[i];
            double product = weights[i] * double.CreateChecked(source.Scale);
            if (combination == LoRACombination.Linear)
            {
                if (product < 0)
                {
                    throw new ArgumentException(
                        $"{context}: linear combination takes √(weight·scale), but '{source.Name}' has weight·scale = {product} < 0; use Concatenation.");
                }

                // A += √(w·s)·Aᵢ, B += √(w·s)·Bᵢ
                T factor = T.CreateChecked(Math.Sqrt(product));
                AddScaled(source.A.Value, factor, combined.A.Value);
                AddScaled(source.B.Value, factor, combined.B.Value);
            }
            else
            {
                // Rows offset… of A are w·s·Aᵢ; columns offset… of B are Bᵢ.
                T factor = T.CreateChecked(product);
                for (int row = 0; row < source.Rank; row++)
                {
                    for (int col = 0; col < inF; col++)
                    {
                        combined.A.Value[(offset + row) * inF + col] = factor * source.A.Value[row * inF + col];
                    }
                }

                for (int o = 0; o < outF; o++)
                {
                    source.B.Value.AsSpan(o * source.Rank, source.Rank).CopyTo(combined.B.Value.AsSpan(o * rank + offset, source.Rank));
                }

                offset += source.Rank;
            }
        }

        return combined;
    }

    private static void AddScaled<T>(T[] source, T factor, T[] destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] += factor * source[i];
        }
    }
}
