using System.Numerics;
using Peft.Kernels;
using Peft.Generated;

namespace Peft;

/// <summary>
/// The generic LoRA kernel, shape- and rank-generic: below the measured crossover (<see cref="LowRankCrossover"/>) the
/// skinny products run through <see cref="LowRankProducts"/> (SIMD over the long side, rank rows in blocks of four) — or,
/// for float at the ranks the runtime ships generated loops for (1, 2, 4, 8; <see cref="ShippedLoRALoops"/>), through
/// those, exactly as a generated kernel of that rank — and from the crossover on the packed GEMM
/// (<see cref="LowRankGemmPasses{T}"/>). <see cref="LowRankPath.Loops"/> forces <see cref="LowRankProducts"/>. It defines
/// what every specialized <see cref="ILoRAKernel{T}"/> must compute. It keeps Bᵀ and dBᵀ (<c>[r, out]</c>)
/// as scratch, grown only when the layer widens, so calls allocate nothing in steady state.
/// </summary>
public sealed class RuntimeLoRAKernel<T> : ILoRAKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private T[] _bTransposed = [];
    private T[] _bGradientTransposed = [];

    private readonly LowRankPath _path;

    /// <summary>The shipped unrolled loops' kernel of this rank (float, automatic path), or null.</summary>
    private readonly ILoRAKernel<T>? _shipped;

    /// <summary>How error messages name this kernel (made once: calls allocate nothing).</summary>
    private readonly string _name;

    /// <summary>Creates the kernel for rank <paramref name="rank"/> (any layer shape).</summary>
    public RuntimeLoRAKernel(int rank)
        : this(rank, LowRankPath.Auto)
    {
    }

    /// <summary>Creates the kernel for rank <paramref name="rank"/> on the given path (tests and the benchmark force one).</summary>
    internal RuntimeLoRAKernel(int rank, LowRankPath path)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        Rank = rank;
        _path = path;
        _name = $"LoRA kernel (rank {rank})";
        _shipped = typeof(T) == typeof(float) && path == LowRankPath.Auto ? (ILoRAKernel<T>?)(object?)ShippedLoRALoops.For(_name, rank) : null;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int InFeatures => 0;

    /// <inheritdoc />
    public int OutFeatures => 0;

    /// <inheritdoc />
    public void Forward(
        ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale,
        Span<T> xa, Span<T> y, int batch, int inFeatures, int outFeatures)
    {
        int r = Rank;
        if (UseGemm)
        {
            LowRankGemmPasses<T>.Forward(_name, r, x, a, b, scale, xa, y, batch, inFeatures, outFeatures);
            return;
        }

        if (_shipped is not null)
        {
            _shipped.Forward(x, a, b, scale, xa, y, batch, inFeatures, outFeatures);
            return;
        }

        // xa[batch×r] = x[batch×in]·Aᵀ
        LowRankProducts.ProjectDown(x, a, xa, batch, inFeatures, r);

        // y[batch×out] += s·xa·Bᵀ, with Bᵀ [r×out] so each rank row is contiguous.
        var bT = Transpose(b, outFeatures, r, ref _bTransposed);
        LowRankProducts.ExpandAdd(xa, scale, bT, y, batch, outFeatures, r);
    }

    /// <inheritdoc />
    public void Backward(
        ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa, T scale,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient,
        int batch, int inFeatures, int outFeatures)
    {
        int r = Rank;
        if (UseGemm)
        {
            LowRankGemmPasses<T>.Backward(_name, r, x, dy, a, b, xa, scale, dyB, aGradient, bGradient, inputGradient,
                batch, inFeatures, outFeatures);
            return;
        }

        if (_shipped is not null)
        {
            _shipped.Backward(x, dy, a, b, xa, scale, dyB, aGradient, bGradient, inputGradient, batch, inFeatures, outFeatures);
            return;
        }

        if (!bGradient.IsEmpty)
        {
            // dBᵀ[r×out] = s·xaᵀ·dY, then dB[out×r] += (dBᵀ)ᵀ.
            LoRAAdapter<T>.Grow(ref _bGradientTransposed, r * outFeatures);
            var dbT = _bGradientTransposed.AsSpan(0, r * outFeatures);
            dbT.Clear();
            LowRankProducts.AccumulateOuter(xa, dy, scale, dbT, batch, outFeatures, r);
            for (int o = 0; o < outFeatures; o++)
            {
                for (int k = 0; k < r; k++)
                {
                    bGradient[o * r + k] += dbT[k * outFeatures + o];
                }
            }
        }

        if (aGradient.IsEmpty && inputGradient.IsEmpty)
        {
            return;
        }

        // g[batch×r] = dY[batch×out]·B = dY·(Bᵀ)ᵀ
        var bT = Transpose(b, outFeatures, r, ref _bTransposed);
        LowRankProducts.ProjectDown(dy, bT, dyB, batch, outFeatures, r);

        if (!aGradient.IsEmpty)
        {
            // dA[r×in] += s·gᵀ·x
            LowRankProducts.AccumulateOuter(dyB, x, scale, aGradient, batch, inFeatures, r);
        }

        if (!inputGradient.IsEmpty)
        {
            // dX[batch×in] += s·g·A
            LowRankProducts.ExpandAdd(dyB, scale, a, inputGradient, batch, inFeatures, r);
        }
    }

    /// <inheritdoc />
    public void AddDeltaWeight(ReadOnlySpan<T> a, ReadOnlySpan<T> b, T scale, T factor, Span<T> weight, int inFeatures, int outFeatures)
    {
        // W[out×in] += factor·s·B[out×r]·A[r×in]
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, outFeatures, inFeatures, Rank,
            factor * scale, b, Rank, a, inFeatures, T.One, weight, inFeatures);
    }

    /// <summary>Whether this call runs on the GEMM: the forced path, or the crossover's choice.</summary>
    private bool UseGemm =>
        _path == LowRankPath.Gemm || (_path == LowRankPath.Auto && LowRankCrossover.UseGemm(Rank));

    /// <summary>Writes Bᵀ ([r×out]) of B ([out×r]) into the scratch and returns it.</summary>
    private static ReadOnlySpan<T> Transpose(ReadOnlySpan<T> b, int outFeatures, int r, ref T[] scratch)
    {
        LoRAAdapter<T>.Grow(ref scratch, r * outFeatures);
        var bT = scratch.AsSpan(0, r * outFeatures);
        for (int o = 0; o < outFeatures; o++)
        {
            for (int k = 0; k < r; k++)
            {
                bT[k * outFeatures + o] = b[o * r + k];
            }
        }

        return bT;
    }
}
