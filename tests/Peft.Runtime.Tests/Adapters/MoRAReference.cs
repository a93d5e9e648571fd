namespace Peft.Tests.Adapters;

/// <summary>
/// MoRA's Δ(x) for one row, written the way the official implementation states it (cyclic padding,
/// chunk view, <c>rotate_half</c> with <c>emb = cat(freqs, freqs)</c>, concatenation and tiling),
/// independent of <see cref="RuntimeMoRAKernel{T}"/>.
/// </summary>
internal static class MoRAReference
{
    public static double[] Delta(double[] x, double[] m, int inF, int outF, int rh, MoRAType type)
    {
        int chunks = (inF + rh - 1) / rh;
        var padded = new double[chunks * rh];
        for (int p = 0; p < padded.Length; p++)
        {
            padded[p] = x[p % inF];
        }

        double[] source;
        if (type == MoRAType.Sharing)
        {
            var c = new double[rh];
            for (int g = 0; g < chunks; g++)
            {
                for (int j = 0; j < rh; j++)
                {
                    c[j] += padded[g * rh + j];
                }
            }

            source = Apply(m, c, rh);
        }
        else
        {
            int half = rh / 2;
            source = new double[chunks * rh];
            for (int g = 0; g < chunks; g++)
            {
                var v = padded.AsSpan(g * rh, rh).ToArray();
                var z = new double[rh];
                for (int i = 0; i < rh; i++)
                {
                    double invFreq = 1.0 / Math.Pow(10000.0, 2.0 * (i % half) / rh);
                    double angle = g * invFreq;
                    double rotated = i < half ? -v[i + half] : v[i - half];
                    z[i] = v[i] * Math.Cos(angle) + rotated * Math.Sin(angle);
                }

                Apply(m, z, rh).CopyTo(source, g * rh);
            }
        }

        var y = new double[outF];
        for (int o = 0; o < outF; o++)
        {
            y[o] = source[o % source.Length];
        }

        return y;
    }

    private static double[] Apply(double[] m, double[] v, int rh)
    {
        var result = new double[rh];
        for (int i = 0; i < rh; i++)
        {
            for (int k = 0; k < rh; k++)
            {
                result[i] += m[i * rh + k] * v[k];
            }
        }

        return result;
    }
}
