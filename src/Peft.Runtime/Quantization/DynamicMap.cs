namespace Peft.Quantization;

/// <summary>
/// bitsandbytes' signed 8-bit "dynamic" code (<c>create_dynamic_map(signed=True, max_exponent_bits=7,
/// total_bits=8)</c>), the code QLoRA's double quantization stores the block scales in: for exponents
/// e = 0…6, the midpoints of <c>linspace(0.1, 1, 2^e + 1)</c> scaled by <c>10^(e−6)</c>, with both signs,
/// plus 0 and 1 — 256 values, sorted. The values are computed in double and rounded once; bitsandbytes
/// evaluates the formula in PyTorch float32, whose <c>linspace</c> rounding varies with version and CPU (within
/// one unit in the last place of these values, tested).
/// </summary>
internal static class DynamicMap
{
    private const int ExponentBits = 7;

    /// <summary>The 256 code values, ascending.</summary>
    public static readonly float[] Signed = Create();

    /// <summary>The index of the code value nearest to <paramref name="normalized"/> (ties take the lower value).</summary>
    public static int Nearest(float normalized)
    {
        var code = Signed;
        int index = Array.BinarySearch(code, normalized);
        if (index >= 0)
        {
            return index;
        }

        int above = ~index;
        if (above == 0)
        {
            return 0;
        }

        if (above == code.Length)
        {
            return code.Length - 1;
        }

        return normalized - code[above - 1] <= code[above] - normalized ? above - 1 : above;
    }

    private static float[] Create()
    {
        var data = new List<float>(256);
        for (int exponent = 0; exponent < ExponentBits; exponent++)
        {
            // The midpoints of linspace(0.1, 1, 2^e + 1), scaled by 10^(e − 6), in double and rounded once.
            int intervals = 1 << exponent;
            double scale = Math.Pow(10, exponent - (ExponentBits - 1));
            for (int i = 0; i < intervals; i++)
            {
                double low = 0.1 + 0.9 * i / intervals, high = 0.1 + 0.9 * (i + 1) / intervals;
                double mean = (low + high) / 2;
                data.Add((float)(scale * mean));
                data.Add((float)(-scale * mean));
            }
        }

        data.Add(0f);
        data.Add(1f);
        data.Sort();
        return [.. data];
    }
}
