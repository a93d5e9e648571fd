using System.Numerics;

namespace Peft.Quantization;

/// <summary>
/// A frozen weight matrix stored as QLoRA stores it: 4-bit NormalFloat indices (<see cref="NF4"/>) in blocks
/// of 64 consecutive elements of the row-major matrix, each block scaled by its absolute maximum, two indices
/// per byte with the first in the high nibble (bitsandbytes' layout). With double quantization the block scales
/// are themselves stored as 8-bit codes (<see cref="DynamicMap"/>) of <c>absmax − mean(absmax)</c> in blocks of
/// 256 scales with one float each: about 4.13 bits per weight, 0.129× float32 (4.5 bits, 0.141×, without).
/// </summary>
public sealed class NF4Weight
{
    /// <summary>Elements per block sharing one scale (bitsandbytes' default for 4-bit weights).</summary>
    public const int BlockSize = 64;

    /// <summary>Scales per block of the second quantization.</summary>
    public const int ScaleBlockSize = 256;

    private readonly byte[] _packed;
    private readonly float[]? _scales;
    private readonly byte[]? _scaleCodes;
    private readonly float[]? _scaleScales;
    private readonly float _scaleOffset;

    private NF4Weight(int rows, int columns, byte[] packed, float[] scales, bool doubleQuantize)
    {
        Rows = rows;
        Columns = columns;
        _packed = packed;
        if (!doubleQuantize)
        {
            _scales = scales;
            return;
        }

        // absmax ≈ code[q]·s₂ + offset: the offset is the mean scale, s₂ the largest |absmax − offset| of 256 scales.
        _scaleOffset = (float)Mean(scales);
        _scaleCodes = new byte[scales.Length];
        _scaleScales = new float[(scales.Length + ScaleBlockSize - 1) / ScaleBlockSize];
        for (int block = 0; block < _scaleScales.Length; block++)
        {
            int start = block * ScaleBlockSize, end = Math.Min(scales.Length, start + ScaleBlockSize);
            float largest = 0f;
            for (int i = start; i < end; i++)
            {
                largest = MathF.Max(largest, MathF.Abs(scales[i] - _scaleOffset));
            }

            _scaleScales[block] = largest;
            for (int i = start; i < end; i++)
            {
                float normalized = largest == 0f ? 0f : (scales[i] - _scaleOffset) / largest;
                _scaleCodes[i] = (byte)DynamicMap.Nearest(normalized);
            }
        }
    }

    /// <summary>Rows of the matrix (a layer's output width).</summary>
    public int Rows { get; }

    /// <summary>Columns of the matrix (a layer's input width).</summary>
    public int Columns { get; }

    /// <summary>Whether the block scales are double-quantized.</summary>
    public bool DoubleQuantized => _scaleCodes is not null;

    /// <summary>The bytes this weight occupies: packed indices plus scales (and their offset and scales).</summary>
    public long StorageBytes =>
        _packed.LongLength + (_scales is null ? _scaleCodes!.LongLength + 4L * _scaleScales!.Length + 4 : 4L * _scales.Length);

    /// <summary>Quantizes a row-major <paramref name="rows"/>×<paramref name="columns"/> matrix.</summary>
    /// <param name="values">The matrix, row-major.</param>
    /// <param name="rows">Its rows.</param>
    /// <param name="columns">Its columns.</param>
    /// <param name="doubleQuantize">Whether to quantize the block scales too (bitsandbytes' <c>bnb_4bit_use_double_quant</c>).</param>
    /// <param name="name">What the matrix is, for error messages (a layer path).</param>
    /// <exception cref="ArgumentException">The sizes disagree with the span, or an element is NaN or infinite.</exception>
    public static NF4Weight Quantize<T>(ReadOnlySpan<T> values, int rows, int columns, bool doubleQuantize, string name = "weight")
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (rows <= 0 || columns <= 0 || (long)rows * columns != values.Length)
        {
            throw new ArgumentException($"{name}: cannot quantize {values.Length} elements as a [{rows}, {columns}] matrix.", nameof(values));
        }

        int blocks = (values.Length + BlockSize - 1) / BlockSize;
        var scales = new float[blocks];
        var packed = new byte[(values.Length + 1) / 2];
        for (int block = 0; block < blocks; block++)
        {
            int start = block * BlockSize, end = Math.Min(values.Length, start + BlockSize);
            float absmax = 0f;
            for (int i = start; i < end; i++)
            {
                float value = float.CreateTruncating(values[i]);
                if (!float.IsFinite(value))
                {
                    throw new ArgumentException(
                        $"{name}: element [{i / columns}, {i % columns}] is {value}; NF4 quantization needs finite weights.", nameof(values));
                }

                absmax = MathF.Max(absmax, MathF.Abs(value));
            }

            scales[block] = absmax;
            for (int i = start; i < end; i++)
            {
                // q = argmin_j |x/absmax − level_j|; an all-zero block stores the zero level.
                int index = absmax == 0f ? 7 : NF4.Index(float.CreateTruncating(values[i]) / absmax);
                packed[i >> 1] |= (byte)((i & 1) == 0 ? index << 4 : index);
            }
        }

        return new NF4Weight(rows, columns, packed, scales, doubleQuantize);
    }

    /// <summary>The packed indices, two per byte (first element in the high nibble).</summary>
    internal ReadOnlySpan<byte> Packed => _packed;

    /// <summary>The scale of block <paramref name="block"/> as stored (decoded when double-quantized).</summary>
    public float BlockScale(int block) => _scales is not null
        ? _scales[block]
        : DynamicMap.Signed[_scaleCodes![block]] * _scaleScales![block / ScaleBlockSize] + _scaleOffset;

    /// <summary>Writes rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>)
    /// as <c>level[q]·scale</c> into <paramref name="destination"/>, row-major.</summary>
    public void Dequantize<T>(int firstRow, int rowCount, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > Rows || destination.Length < (long)rowCount * Columns)
        {
            throw new ArgumentOutOfRangeException(nameof(firstRow),
                $"NF4 weight [{Rows}, {Columns}]: rows {firstRow}..{firstRow + rowCount} into {destination.Length} elements.");
        }

        var levels = NF4.Levels;
        Span<T> scaled = stackalloc T[16];
        int start = firstRow * Columns, end = start + rowCount * Columns;
        int element = start;
        while (element < end)
        {
            int block = element / BlockSize;
            int blockEnd = Math.Min(end, (block + 1) * BlockSize);
            T scale = T.CreateTruncating(BlockScale(block));
            for (int j = 0; j < 16; j++)
            {
                scaled[j] = T.CreateTruncating(levels[j]) * scale;
            }

            for (; element < blockEnd; element++)
            {
                int pair = _packed[element >> 1];
                destination[element - start] = scaled[(element & 1) == 0 ? pair >> 4 : pair & 0xF];
            }
        }
    }

    private static double Mean(float[] values)
    {
        double sum = 0;
        foreach (float value in values)
        {
            sum += value;
        }

        return sum / values.Length;
    }
}
