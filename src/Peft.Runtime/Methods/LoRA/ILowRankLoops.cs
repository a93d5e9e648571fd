using System;
using System.ComponentModel;

namespace Peft.Generated;

/// <summary>
/// The loops the generator unrolls over a constant rank r (one implementation per rank and element type in a
/// compilation); <see cref="LowRankPasses{T, TLoops}"/> runs the LoRA passes over them. Matrices are row-major.
/// The vector loops are generic over their width <c>S</c> (an <see cref="ISimd{T, TVector}"/> struct): written once,
/// compiled by the JIT for each width the caller picks.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ILowRankLoops<T>
    where T : unmanaged
{
    /// <summary>The rank r the loops are unrolled over.</summary>
    static abstract int Rank { get; }

    /// <summary><c>h[n, k] = Σ_j m[k, j]·v[n, j]</c> for the rows n in [start, end) (m is <c>[r, width]</c>, rows <paramref name="stride"/> apart).</summary>
    /// <typeparam name="S">The vector width.</typeparam>
    /// <typeparam name="V">The vector type of that width.</typeparam>
    static abstract void ProjectDown<S, V>(ReadOnlySpan<T> m, int stride, ReadOnlySpan<T> v, Span<T> h, int width, int start, int end)
        where S : struct, ISimd<T, V>
        where V : struct;

    /// <summary><c>y[n, j] += scale·Σ_k h[n, k]·m[k, j]</c> for the rows n in [start, end) (h is <c>[batch, r]</c>).</summary>
    /// <typeparam name="S">The vector width.</typeparam>
    /// <typeparam name="V">The vector type of that width.</typeparam>
    static abstract void ProjectUp<S, V>(ReadOnlySpan<T> m, int stride, ReadOnlySpan<T> h, Span<T> y, T scale, int width, int start, int end)
        where S : struct, ISimd<T, V>
        where V : struct;

    /// <summary><c>g[k, j] += scale·Σ_n h[n, k]·v[n, j]</c> for the columns j in [first, last), first a multiple of every vector width.</summary>
    /// <typeparam name="S">The vector width.</typeparam>
    /// <typeparam name="V">The vector type of that width.</typeparam>
    static abstract void AccumulateOuter<S, V>(ReadOnlySpan<T> h, ReadOnlySpan<T> v, Span<T> g, int stride, T scale, int width, int batch, int first, int last)
        where S : struct, ISimd<T, V>
        where V : struct;
}
