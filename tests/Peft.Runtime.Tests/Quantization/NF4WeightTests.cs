using Peft.Quantization;

namespace Peft.Tests.Quantization;

public sealed class NF4WeightTests
{
    [Fact]
    public void Two_indices_per_byte_with_the_first_in_the_high_nibble()
    {
        // One block, absmax 2: values 2·level[15], 2·level[0], 2·level[7], 2·level[8], then zeros (level 7).
        var values = new float[64];
        values[0] = 2f;
        values[1] = -2f;
        values[2] = 0f;
        values[3] = 2f * NF4.Levels[8];
        var weight = NF4Weight.Quantize<float>(values, 1, 64, doubleQuantize: false);
        var back = new float[64];
        weight.Dequantize<float>(0, 1, back);
        Assert.Equal(values, back);
        Assert.Equal(2f, weight.BlockScale(0));
        Assert.Equal(32 + 4, weight.StorageBytes);
        Assert.Equal(0xF0, PackedByte(weight, 0));
        Assert.Equal(0x78, PackedByte(weight, 1));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Every_element_lands_within_half_a_level_gap_of_its_value(bool doubleQuantize)
    {
        // Rows of 100: blocks of 64 straddle rows, and the last block is partial (700 = 10·64 + 60).
        const int rows = 7, columns = 100;
        var values = Normal(rows * columns, seed: 1, scale: 0.05);
        var weight = NF4Weight.Quantize<float>(values, rows, columns, doubleQuantize);
        var back = new float[rows * columns];
        weight.Dequantize<float>(0, rows, back);
        double widestHalfGap = Enumerable.Range(0, 15).Max(j => ((double)NF4.Levels[j + 1] - NF4.Levels[j]) / 2);
        for (int i = 0; i < values.Length; i++)
        {
            int block = i / NF4Weight.BlockSize;
            double absmax = values.Skip(block * 64).Take(64).Max(v => Math.Abs(v));
            // Double quantization moves the scale a little (the 8-bit code's step near its value), hence the 2 %.
            double bound = absmax * (widestHalfGap + (doubleQuantize ? 0.02 : 1e-6));
            Assert.True(Math.Abs(values[i] - back[i]) <= bound, $"element {i}: {values[i]} came back as {back[i]} (bound {bound})");
        }
    }

    [Fact]
    public void Dequantizing_a_row_range_matches_the_whole_matrix()
    {
        var values = Normal(9 * 50, seed: 2, scale: 1);
        var weight = NF4Weight.Quantize<float>(values, 9, 50, doubleQuantize: true);
        var all = new float[9 * 50];
        weight.Dequantize<float>(0, 9, all);
        var some = new float[3 * 50];
        weight.Dequantize<float>(4, 3, some);
        Assert.Equal(all.Skip(200).Take(150), some);
    }

    [Fact]
    public void Double_quantized_scales_are_close_and_storage_is_under_three_tenths_of_float32()
    {
        const int rows = 256, columns = 512;
        var values = Normal(rows * columns, seed: 4, scale: 0.02);
        var plain = NF4Weight.Quantize<float>(values, rows, columns, doubleQuantize: false);
        var nested = NF4Weight.Quantize<float>(values, rows, columns, doubleQuantize: true);
        for (int block = 0; block < rows * columns / 64; block++)
        {
            Assert.InRange(nested.BlockScale(block) / plain.BlockScale(block), 0.98, 1.02);
        }

        long float32Bytes = 4L * rows * columns;
        Assert.True(plain.StorageBytes <= 0.141 * float32Bytes, $"{plain.StorageBytes} bytes");
        Assert.True(nested.StorageBytes <= 0.13 * float32Bytes, $"{nested.StorageBytes} bytes");
    }

    [Fact]
    public void Non_finite_weights_are_refused_with_their_position()
    {
        var values = new float[3 * 10];
        values[2 * 10 + 4] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => NF4Weight.Quantize<float>(values, 3, 10, true, "layers.0.q_proj"));
        Assert.Contains("layers.0.q_proj: element [2, 4] is NaN", error.Message);
        Assert.Throws<ArgumentException>(() => NF4Weight.Quantize<float>(values, 4, 10, true));
    }

    [Fact]
    public void An_all_zero_block_stays_zero()
    {
        var weight = NF4Weight.Quantize<float>(new float[128], 2, 64, doubleQuantize: true);
        var back = new float[128];
        Array.Fill(back, 1f);
        weight.Dequantize<float>(0, 2, back);
        Assert.All(back, v => Assert.Equal(0f, v));
    }

    internal static float[] Normal(int count, int seed, double scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(scale * NormalSample.Next(random));
        }

        return values;
    }

    private static int PackedByte(NF4Weight weight, int index) => weight.Packed[index];
}
