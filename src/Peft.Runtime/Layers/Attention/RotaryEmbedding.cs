using System.Numerics;
using System.Runtime.InteropServices;

namespace Peft;

/// <summary>
/// Rotary position embeddings as transformers computes them for Llama-family models: inverse
/// frequencies <c>fᵢ = 1/θ^{2i/D}</c> (<c>i &lt; D/2</c>), optionally rescaled by the <c>"llama3"</c> rule;
/// the angle of position <c>p</c> is <c>p·fᵢ</c> and pair <c>(i, i + D/2)</c> of a head vector is rotated by
/// it (the rotate-half convention). As transformers does, the frequencies, angles, cosines and sines are
/// float32 values whatever the model's precision. Not a module: it has no parameters and one instance
/// serves every layer.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _inverseFrequencies;
    private float[] _cos = [];
    private float[] _sin = [];
    private double[] _cosDouble = [];
    private double[] _sinDouble = [];
    private int _positions;

    /// <summary>Computes the inverse frequencies for heads of <paramref name="headDim"/> values.</summary>
    /// <param name="headDim">The head dimension; positive and even.</param>
    /// <param name="theta">The base (<c>rope_theta</c>); positive and finite.</param>
    /// <param name="scaling">The rope scaling, or <see langword="null"/> for <c>"default"</c>.</param>
    /// <exception cref="ArgumentException">A value is out of range or the rope type is unsupported; the message names it.</exception>
    public RotaryEmbedding(int headDim, double theta, RopeScaling? scaling = null)
    {
        if (headDim <= 0 || headDim % 2 != 0)
        {
            throw new ArgumentException($"RotaryEmbedding: head dim must be positive and even, got {headDim}.", nameof(headDim));
        }

        if (!(theta > 0) || double.IsInfinity(theta))
        {
            throw new ArgumentException($"RotaryEmbedding: rope_theta must be positive and finite, got {theta}.", nameof(theta));
        }

        HeadDim = headDim;
        Theta = theta;
        Scaling = scaling;
        _inverseFrequencies = DefaultInverseFrequencies(headDim, theta);
        switch (scaling?.RopeType ?? RopeScaling.Default)
        {
            case RopeScaling.Default:
                break;
            case RopeScaling.Llama3:
                ApplyLlama3(_inverseFrequencies, scaling!);
                break;
            default:
                throw new ArgumentException(
                    $"RotaryEmbedding: rope_type '{scaling!.RopeType}' is not supported (supported: '{RopeScaling.Default}', '{RopeScaling.Llama3}').", nameof(scaling));
        }
    }

    /// <summary>The head dimension D.</summary>
    public int HeadDim { get; }

    /// <summary>The base θ.</summary>
    public double Theta { get; }

    /// <summary>The scaling, or <see langword="null"/> for none.</summary>
    public RopeScaling? Scaling { get; }

    /// <summary>The inverse frequencies <c>fᵢ</c>, <c>[D/2]</c>, as the float32 values transformers computes.</summary>
    public ReadOnlySpan<float> InverseFrequencies => _inverseFrequencies;

    /// <summary>
    /// Makes the cosine and sine tables cover positions <c>[0, count)</c>. Attention grows them on demand;
    /// calling this once with the longest sequence keeps later steps free of allocation.
    /// </summary>
    public void EnsurePositions(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= _positions)
        {
            return;
        }

        int capacity = Math.Max(count, Math.Min(2 * _positions, int.MaxValue / HeadDim));
        int half = HeadDim / 2;
        var cos = new float[capacity * half];
        var sin = new float[capacity * half];
        var cosDouble = new double[capacity * half];
        var sinDouble = new double[capacity * half];
        for (int p = 0; p < capacity; p++)
        {
            for (int i = 0; i < half; i++)
            {
                // transformers: freqs = inv_freq (float32) · position (float32), then cos/sin in float32.
                float angle = _inverseFrequencies[i] * p;
                cos[p * half + i] = (float)Math.Cos(angle);
                sin[p * half + i] = (float)Math.Sin(angle);
                cosDouble[p * half + i] = cos[p * half + i];
                sinDouble[p * half + i] = sin[p * half + i];
            }
        }

        (_cos, _sin, _cosDouble, _sinDouble, _positions) = (cos, sin, cosDouble, sinDouble, capacity);
    }

    /// <summary>
    /// Rotates one head vector <paramref name="x"/> (length D) to <paramref name="position"/>:
    /// <c>y[i] = x[i]·cos − x[i+D/2]·sin</c>, <c>y[i+D/2] = x[i+D/2]·cos + x[i]·sin</c> with the angle <c>position·fᵢ</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A span is not D long or the position is negative.</exception>
    public void Rotate<T>(ReadOnlySpan<T> x, int position, Span<T> y)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (x.Length != HeadDim || y.Length != HeadDim || position < 0)
        {
            throw new ArgumentException($"RotaryEmbedding: Rotate needs spans of head dim {HeadDim} and a position ≥ 0, got {x.Length}, {y.Length}, {position}.");
        }

        EnsurePositions(position + 1);
        RotaryKernel.Rotate(x, y, Cos<T>(position), Sin<T>(position), transpose: false, accumulate: false);
    }

    /// <summary>The cosines of <paramref name="position"/> (<c>[D/2]</c>); the tables must cover it.</summary>
    internal ReadOnlySpan<T> Cos<T>(int position)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Row<T>(_cos, _cosDouble, position);

    /// <summary>The sines of <paramref name="position"/> (<c>[D/2]</c>); the tables must cover it.</summary>
    internal ReadOnlySpan<T> Sin<T>(int position)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Row<T>(_sin, _sinDouble, position);

    private ReadOnlySpan<T> Row<T>(float[] single, double[] dual, int position)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int half = HeadDim / 2;
        if (typeof(T) == typeof(float))
        {
            return MemoryMarshal.Cast<float, T>(single.AsSpan(position * half, half));
        }

        if (typeof(T) == typeof(double))
        {
            return MemoryMarshal.Cast<double, T>(dual.AsSpan(position * half, half));
        }

        throw new NotSupportedException($"RotaryEmbedding: element type {typeof(T).Name} is not supported (float or double).");
    }

    // transformers' default: inv_freq = 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all in float32.
    private static float[] DefaultInverseFrequencies(int headDim, double theta)
    {
        var inverse = new float[headDim / 2];
        float thetaSingle = (float)theta;
        for (int i = 0; i < inverse.Length; i++)
        {
            float exponent = (float)(2 * i) / headDim;
            inverse[i] = 1.0f / (float)Math.Pow(thetaSingle, exponent);
        }

        return inverse;
    }

    // transformers' _compute_llama3_parameters, in float32 as it runs on the float32 inv_freq:
    // wavelength λ = 2π/f; λ < old/high: keep f; λ > old/low: f/factor; otherwise blend with
    // smooth = (old/λ − low)/(high − low): f' = (1 − smooth)·f/factor + smooth·f.
    private static void ApplyLlama3(float[] inverse, RopeScaling scaling)
    {
        if (!(scaling.Factor > 0) || !(scaling.HighFrequencyFactor > scaling.LowFrequencyFactor) || !(scaling.LowFrequencyFactor > 0)
            || scaling.OriginalMaxPositionEmbeddings <= 0)
        {
            throw new ArgumentException(
                $"RotaryEmbedding: llama3 scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0, got {scaling}.",
                nameof(scaling));
        }

        float factor = (float)scaling.Factor;
        float low = (float)scaling.LowFrequencyFactor;
        float oldContext = scaling.OriginalMaxPositionEmbeddings;
        float lowFrequencyWavelength = (float)(scaling.OriginalMaxPositionEmbeddings / scaling.LowFrequencyFactor);
        float highFrequencyWavelength = (float)(scaling.OriginalMaxPositionEmbeddings / scaling.HighFrequencyFactor);
        float span = (float)(scaling.HighFrequencyFactor - scaling.LowFrequencyFactor);
        for (int i = 0; i < inverse.Length; i++)
        {
            float f = inverse[i];
            float wavelength = (float)(2 * Math.PI) / f;
            float scaled = wavelength > lowFrequencyWavelength ? f / factor : f;
            if (!(wavelength < highFrequencyWavelength) && !(wavelength > lowFrequencyWavelength))
            {
                float smooth = (oldContext / wavelength - low) / span;
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }

            inverse[i] = scaled;
        }
    }
}
