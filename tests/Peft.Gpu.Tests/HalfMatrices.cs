using Peft.Gpu.Kernels;

namespace Peft.Gpu.Tests;

/// <summary>Host-side float16 operands in the layout of <see cref="GpuKernels.ToHalf"/>, packed into float arrays for <see cref="GpuRunner"/>.</summary>
internal static class HalfMatrices
{
    /// <summary>Values rounded to float16 (to nearest even), as floats.</summary>
    public static float[] Rounded(float[] values) => values.Select(v => (float)(Half)v).ToArray();

    /// <summary>rows×cols (row-major, dense) padded with zeros to the half layout, two halves per word, as float bits.</summary>
    public static float[] Pack(float[] values, int rows, int cols)
    {
        int paddedRows = HalfGemmShape.Pad(rows), paddedCols = HalfGemmShape.Pad(cols);
        var halves = new ushort[paddedRows * paddedCols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                halves[r * paddedCols + c] = BitConverter.HalfToUInt16Bits((Half)values[r * cols + c]);
            }
        }

        var words = new float[halves.Length / 2];
        for (int w = 0; w < words.Length; w++)
        {
            words[w] = BitConverter.UInt32BitsToSingle(halves[2 * w] | ((uint)halves[2 * w + 1] << 16));
        }

        return words;
    }

    /// <summary>The halves of a packed buffer, in order.</summary>
    public static Half[] Unpack(float[] words)
    {
        var halves = new Half[words.Length * 2];
        for (int w = 0; w < words.Length; w++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(words[w]);
            halves[2 * w] = BitConverter.UInt16BitsToHalf((ushort)bits);
            halves[2 * w + 1] = BitConverter.UInt16BitsToHalf((ushort)(bits >> 16));
        }

        return halves;
    }
}
