using System.Collections.Concurrent;
using System.Numerics;

namespace Peft;

/// <summary>
/// VeRA's frozen random projections, shared by every VeRA layer of a model (PEFT's <c>vera_A</c> / <c>vera_B</c> buffers):
/// <c>A ∈ R^{r×in_max}</c> and <c>B ∈ R^{out_max×r}</c>, sized to the largest adapted layer; a layer uses
/// <c>A[:, :in]</c> and <c>B[:out, :]</c>. Created as PEFT creates them: a torch CPU generator seeded with
/// <c>projection_prng_key</c> draws A, then B, each Kaiming-uniform in <c>±√(6/fan_in)</c> (<c>fan_in</c> = the
/// tensor's column count: in_max for A, r for B) as float32. Never written after creation.
/// </summary>
public sealed class VeRAProjections
{
    private static readonly ConcurrentDictionary<(int, int, int, int), VeRAProjections> Cache = new();
    private readonly double[] _a;
    private readonly double[] _b;
    private float[]? _aSingle;
    private float[]? _bSingle;

    private VeRAProjections(int rank, int maxIn, int maxOut, int? key, double[] a, double[] b)
    {
        Rank = rank;
        MaxInFeatures = maxIn;
        MaxOutFeatures = maxOut;
        ProjectionPrngKey = key;
        _a = a;
        _b = b;
    }

    /// <summary>The rank r (rows of A, columns of B).</summary>
    public int Rank { get; }

    /// <summary>The largest input width of the adapted layers (columns of A).</summary>
    public int MaxInFeatures { get; }

    /// <summary>The largest output width of the adapted layers (rows of B).</summary>
    public int MaxOutFeatures { get; }

    /// <summary>The key the projections were drawn from, or <see langword="null"/> for projections read from a file.</summary>
    public int? ProjectionPrngKey { get; }

    /// <summary>
    /// The projections for rank <paramref name="rank"/> and the largest layer <c>maxIn → maxOut</c>, drawn as PEFT draws them.
    /// Drawn once per process for each set of arguments: every caller gets the same object (the values are never written).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static VeRAProjections Create(int rank, int maxInFeatures, int maxOutFeatures, int projectionPrngKey)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOutFeatures, 1);
        return Cache.GetOrAdd((rank, maxInFeatures, maxOutFeatures, projectionPrngKey), static k => Draw(k.Item1, k.Item2, k.Item3, k.Item4));
    }

    private static VeRAProjections Draw(int rank, int maxInFeatures, int maxOutFeatures, int projectionPrngKey)
    {
        var generator = new TorchCpuGenerator(projectionPrngKey);
        var a = new float[checked(rank * maxInFeatures)];
        var b = new float[checked(maxOutFeatures * rank)];

        // PEFT's _kaiming_init: gain √2, std = gain/√fan_in, bound = √3·std; A first, then B from the same generator.
        generator.FillUniform(a, -KaimingBound(maxInFeatures), KaimingBound(maxInFeatures));
        generator.FillUniform(b, -KaimingBound(rank), KaimingBound(rank));
        return new VeRAProjections(rank, maxInFeatures, maxOutFeatures, projectionPrngKey,
            Array.ConvertAll(a, v => (double)v), Array.ConvertAll(b, v => (double)v)) { _aSingle = a, _bSingle = b };
    }

    /// <summary>Projections read from a file: A <c>[r, in_max]</c> and B <c>[out_max, r]</c>, row-major.</summary>
    internal static VeRAProjections FromValues(int rank, int maxInFeatures, int maxOutFeatures, double[] a, double[] b) =>
        new(rank, maxInFeatures, maxOutFeatures, null, a, b);

    /// <summary>A, <c>[r, in_max]</c> row-major, in the element type <typeparamref name="T"/> (float or double).</summary>
    internal T[] A<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Values<T>(_a, ref _aSingle);

    /// <summary>B, <c>[out_max, r]</c> row-major, in the element type <typeparamref name="T"/>.</summary>
    internal T[] B<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Values<T>(_b, ref _bSingle);

    /// <summary>√3·√2/√fan = √(6/fan), computed in double as Python does.</summary>
    private static double KaimingBound(int fan) => Math.Sqrt(3.0) * (Math.Sqrt(2.0) / Math.Sqrt(fan));

    private static T[] Values<T>(double[] values, ref float[]? single)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return (T[])(object)values;
        }

        if (typeof(T) == typeof(float))
        {
            single ??= Array.ConvertAll(values, v => (float)v);
            return (T[])(object)single;
        }

        throw new NotSupportedException($"VeRA projections hold float or double values, not {typeof(T).Name}.");
    }
}
