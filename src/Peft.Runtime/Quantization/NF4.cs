namespace Peft.Quantization;

/// <summary>
/// The 4-bit NormalFloat data type of QLoRA (Dettmers et al., 2023) with bitsandbytes' code values: sixteen
/// levels in [−1, 1] placed at quantiles of a standard normal distribution, with an exact zero. A value is
/// stored as the index of the nearest level after dividing by its block's absolute maximum.
/// </summary>
internal static class NF4
{
    /// <summary>The sixteen levels, index 0 to 15 (bitsandbytes' <c>get_4bit_type("nf4")</c>).</summary>
    public static ReadOnlySpan<float> Levels =>
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>The midpoints between neighbouring levels, computed in double as bitsandbytes' decision tree holds them.</summary>
    private static readonly float[] Midpoints = CreateMidpoints();

    /// <summary>
    /// The index of the level nearest to <paramref name="normalized"/> (a value divided by its block's absolute
    /// maximum, so in [−1, 1]); a value exactly between two levels takes the lower one, as bitsandbytes' tree does.
    /// </summary>
    public static int Index(float normalized)
    {
        // Binary search over the 15 midpoints: the index is the number of midpoints below the value.
        int low = 0, high = Midpoints.Length;
        while (low < high)
        {
            int middle = (low + high) >> 1;
            if (normalized > Midpoints[middle])
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private static float[] CreateMidpoints()
    {
        var levels = Levels;
        var midpoints = new float[levels.Length - 1];
        for (int i = 0; i < midpoints.Length; i++)
        {
            midpoints[i] = (float)(((double)levels[i] + levels[i + 1]) / 2.0);
        }

        return midpoints;
    }
}
