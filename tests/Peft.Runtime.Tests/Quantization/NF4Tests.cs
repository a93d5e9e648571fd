using Peft.Quantization;

namespace Peft.Tests.Quantization;

/// <summary>The NormalFloat code and bitsandbytes' 8-bit dynamic code that double quantization uses.</summary>
public sealed class NF4Tests
{
    /// <summary>bitsandbytes' <c>get_4bit_type("nf4")</c>, as published in its source.</summary>
    private static readonly double[] BitsAndBytesNF4 =
    [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
        -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
        0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
    ];

    [Fact]
    public void Levels_are_bitsandbytes_nf4_values()
    {
        Assert.Equal(BitsAndBytesNF4.Select(v => (float)v).ToArray(), NF4.Levels.ToArray());
    }

    [Fact]
    public void Index_is_the_nearest_level_and_ties_go_down()
    {
        var random = new Random(3);
        for (int i = 0; i < 20000; i++)
        {
            float x = (float)(random.NextDouble() * 2 - 1);
            int nearest = Enumerable.Range(0, 16).MinBy(j => Math.Abs(x - (double)NF4.Levels[j]));
            Assert.Equal(nearest, NF4.Index(x));
        }

        for (int j = 0; j < 16; j++)
        {
            Assert.Equal(j, NF4.Index(NF4.Levels[j]));
        }

        // Exactly between 0 and 0.0796 (bitsandbytes' threshold 0.03979014977812767): the lower level, 0.
        Assert.Equal(7, NF4.Index(0.03979014977812767f));
        Assert.Equal(8, NF4.Index(MathF.BitIncrement(0.03979014977812767f)));
    }

    [Fact]
    public void Dynamic_map_is_within_one_ulp_of_the_bitsandbytes_formula_evaluated_by_pytorch()
    {
        // dynamic-map.txt: written by make-dynamic-map.py (PyTorch 1.13, float32), one "bits value" per line.
        var expected = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Quantization", "dynamic-map.txt"))
            .Select(line => BitConverter.Int32BitsToSingle(unchecked((int)Convert.ToUInt32(line.Split(' ')[0], 16))))
            .ToArray();
        Assert.Equal(256, expected.Length);
        for (int i = 0; i < 256; i++)
        {
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(expected[i]) - BitConverter.SingleToInt32Bits(DynamicMap.Signed[i]));
            Assert.True(ulps <= 1, $"code {i}: PyTorch {expected[i]:R}, ours {DynamicMap.Signed[i]:R}");
        }
    }

    [Fact]
    public void Dynamic_map_nearest_is_the_closest_code()
    {
        var random = new Random(5);
        for (int i = 0; i < 5000; i++)
        {
            float x = (float)(random.NextDouble() * 2.2 - 1.1);
            int index = DynamicMap.Nearest(x);
            double best = DynamicMap.Signed.Min(c => Math.Abs((double)c - x));
            Assert.Equal(best, Math.Abs((double)DynamicMap.Signed[index] - x));
        }
    }
}
