using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// The three skinny products of a rank-r adapter, SIMD (256-bit, fused multiply-add) over the long dimension n (a packed GEMM
/// spends most of its time packing when one side is only r wide). Row-major throughout:
/// <list type="bullet">
/// <item><see cref="ProjectDown"/>: <c>P[m×r] = X[m×n]·Vᵀ</c> (V stored <c>[r×n]</c>): r dot products per row;</item>
/// <item><see cref="ExpandAdd"/>: <c>Y[m×n] += s·P[m×r]·V[r×n]</c>: per row a sum of r scaled rows of V;</item>
/// <item><see cref="AccumulateOuter"/>: <c>G[r×n] += s·P[m×r]ᵀ·X[m×n]</c>: r rows accumulated over m.</item>
/// </list>
/// Rank-generic: blocks of four rank rows keep their accumulators in registers, a remainder runs one
/// row at a time. No allocation.
/// </summary>
internal static class LowRankProducts
{
    /// <summary>Rank rows whose coefficients are staged on the stack at once in <see cref="ExpandAdd"/>.</summary>
    private const int CoefficientBlock = 32;

    /// <summary>Rows of X swept together by <see cref="AccumulateOuter"/>.</summary>
    private const int OuterRowBlock = 32;

    /// <summary>P[i, k] = Σ_j X[i, j]·V[k, j].</summary>
    public static void ProjectDown<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> v, Span<T> p, int m, int n, int r)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, (long)m * n, v.Length, (long)r * n, p.Length, (long)m * r);
        for (int i = 0; i < m; i++)
        {
            var row = x.Slice(i * n, n);
            var target = p.Slice(i * r, r);
            int k = 0;
            for (; k + 4 <= r; k += 4)
            {
                Dot4(row, v.Slice(k * n, 4 * n), n, target.Slice(k, 4));
            }

            for (; k < r; k++)
            {
                target[k] = TensorPrimitives.Dot(row, v.Slice(k * n, n));
            }
        }
    }

    /// <summary>Y[i, :] += s·Σ_k P[i, k]·V[k, :].</summary>
    public static void ExpandAdd<T>(ReadOnlySpan<T> p, T scale, ReadOnlySpan<T> v, Span<T> y, int m, int n, int r)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckLengths(p.Length, (long)m * r, v.Length, (long)r * n, y.Length, (long)m * n);
        Span<T> coefficients = stackalloc T[CoefficientBlock];
        for (int i = 0; i < m; i++)
        {
            var target = y.Slice(i * n, n);
            for (int k0 = 0; k0 < r; k0 += CoefficientBlock)
            {
                int count = Math.Min(CoefficientBlock, r - k0);
                for (int k = 0; k < count; k++)
                {
                    coefficients[k] = scale * p[i * r + k0 + k];
                }

                AddCombination(coefficients[..count], v.Slice(k0 * n, count * n), n, target);
            }
        }
    }

    /// <summary>G[k, :] += s·Σ_i P[i, k]·X[i, :].</summary>
    public static void AccumulateOuter<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> x, T scale, Span<T> g, int m, int n, int r)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckLengths(p.Length, (long)m * r, x.Length, (long)m * n, g.Length, (long)r * n);

        // Blocks of rows keep the column sweeps inside L2 and the TLB; G accumulates across blocks.
        for (int i0 = 0; i0 < m; i0 += OuterRowBlock)
        {
            int rows = Math.Min(OuterRowBlock, m - i0);
            var pBlock = p.Slice(i0 * r, rows * r);
            var xBlock = x.Slice(i0 * n, rows * n);
            int k = 0;
            for (; k + 4 <= r; k += 4)
            {
                Outer4(pBlock, xBlock, scale, g.Slice(k * n, 4 * n), rows, n, r, k);
            }

            for (; k < r; k++)
            {
                Outer1(pBlock, xBlock, scale, g.Slice(k * n, n), rows, n, r, k);
            }
        }
    }

    /// <summary>target[0..4) = the dot products of <paramref name="row"/> with four rows of <paramref name="v"/>.</summary>
    private static void Dot4<T>(ReadOnlySpan<T> row, ReadOnlySpan<T> v, int n, Span<T> target)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T x = ref MemoryMarshal.GetReference(row);
        ref T v0 = ref MemoryMarshal.GetReference(v);
        ref T v1 = ref Unsafe.Add(ref v0, n);
        ref T v2 = ref Unsafe.Add(ref v0, 2 * n);
        ref T v3 = ref Unsafe.Add(ref v0, 3 * n);
        var a0 = Vector256<T>.Zero;
        var a1 = Vector256<T>.Zero;
        var a2 = Vector256<T>.Zero;
        var a3 = Vector256<T>.Zero;
        int width = Vector256<T>.Count;
        int j = 0;
        for (; j + width <= n; j += width)
        {
            var xv = Vector256.LoadUnsafe(ref x, (nuint)j);
            a0 = VectorFma.MultiplyAdd(xv, Vector256.LoadUnsafe(ref v0, (nuint)j), a0);
            a1 = VectorFma.MultiplyAdd(xv, Vector256.LoadUnsafe(ref v1, (nuint)j), a1);
            a2 = VectorFma.MultiplyAdd(xv, Vector256.LoadUnsafe(ref v2, (nuint)j), a2);
            a3 = VectorFma.MultiplyAdd(xv, Vector256.LoadUnsafe(ref v3, (nuint)j), a3);
        }

        T s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; j < n; j++)
        {
            T xj = Unsafe.Add(ref x, j);
            s0 += xj * Unsafe.Add(ref v0, j);
            s1 += xj * Unsafe.Add(ref v1, j);
            s2 += xj * Unsafe.Add(ref v2, j);
            s3 += xj * Unsafe.Add(ref v3, j);
        }

        target[0] = s0;
        target[1] = s1;
        target[2] = s2;
        target[3] = s3;
    }

    /// <summary>target[:] += Σ_k c[k]·v[k, :], one pass over target.</summary>
    private static void AddCombination<T>(ReadOnlySpan<T> c, ReadOnlySpan<T> v, int n, Span<T> target)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T y = ref MemoryMarshal.GetReference(target);
        ref T v0 = ref MemoryMarshal.GetReference(v);
        int width = Vector256<T>.Count;
        int count = c.Length;
        int j = 0;
        for (; j + width <= n; j += width)
        {
            var acc = Vector256.LoadUnsafe(ref y, (nuint)j);
            for (int k = 0; k < count; k++)
            {
                acc = VectorFma.MultiplyAdd(Vector256.Create(c[k]), Vector256.LoadUnsafe(ref v0, (nuint)(k * n + j)), acc);
            }

            acc.StoreUnsafe(ref y, (nuint)j);
        }

        for (; j < n; j++)
        {
            T acc = Unsafe.Add(ref y, j);
            for (int k = 0; k < count; k++)
            {
                acc += c[k] * Unsafe.Add(ref v0, k * n + j);
            }

            Unsafe.Add(ref y, j) = acc;
        }
    }

    /// <summary>Rows k0…k0+3 of G: accumulators for one vector of columns and four rank rows stay in registers over m.</summary>
    private static void Outer4<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> x, T scale, Span<T> g, int m, int n, int r, int k0)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ps = ref MemoryMarshal.GetReference(p);
        ref T g0 = ref MemoryMarshal.GetReference(g);
        ref T g1 = ref Unsafe.Add(ref g0, n);
        ref T g2 = ref Unsafe.Add(ref g0, 2 * n);
        ref T g3 = ref Unsafe.Add(ref g0, 3 * n);
        var vs = Vector256.Create(scale);
        int width = Vector256<T>.Count;
        int j = 0;
        for (; j + width <= n; j += width)
        {
            var a0 = Vector256<T>.Zero;
            var a1 = Vector256<T>.Zero;
            var a2 = Vector256<T>.Zero;
            var a3 = Vector256<T>.Zero;
            for (int i = 0; i < m; i++)
            {
                var xv = Vector256.LoadUnsafe(ref xs, (nuint)(i * n + j));
                ref T pi = ref Unsafe.Add(ref ps, i * r + k0);
                a0 = VectorFma.MultiplyAdd(Vector256.Create(pi), xv, a0);
                a1 = VectorFma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref pi, 1)), xv, a1);
                a2 = VectorFma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref pi, 2)), xv, a2);
                a3 = VectorFma.MultiplyAdd(Vector256.Create(Unsafe.Add(ref pi, 3)), xv, a3);
            }

            VectorFma.MultiplyAdd(vs, a0, Vector256.LoadUnsafe(ref g0, (nuint)j)).StoreUnsafe(ref g0, (nuint)j);
            VectorFma.MultiplyAdd(vs, a1, Vector256.LoadUnsafe(ref g1, (nuint)j)).StoreUnsafe(ref g1, (nuint)j);
            VectorFma.MultiplyAdd(vs, a2, Vector256.LoadUnsafe(ref g2, (nuint)j)).StoreUnsafe(ref g2, (nuint)j);
            VectorFma.MultiplyAdd(vs, a3, Vector256.LoadUnsafe(ref g3, (nuint)j)).StoreUnsafe(ref g3, (nuint)j);
        }

        for (; j < n; j++)
        {
            T s0 = T.Zero, s1 = T.Zero, s2 = T.Zero, s3 = T.Zero;
            for (int i = 0; i < m; i++)
            {
                T xv = Unsafe.Add(ref xs, i * n + j);
                ref T pi = ref Unsafe.Add(ref ps, i * r + k0);
                s0 += pi * xv;
                s1 += Unsafe.Add(ref pi, 1) * xv;
                s2 += Unsafe.Add(ref pi, 2) * xv;
                s3 += Unsafe.Add(ref pi, 3) * xv;
            }

            Unsafe.Add(ref g0, j) += scale * s0;
            Unsafe.Add(ref g1, j) += scale * s1;
            Unsafe.Add(ref g2, j) += scale * s2;
            Unsafe.Add(ref g3, j) += scale * s3;
        }
    }

    /// <summary>Row k of G: G[k, :] += s·Σ_i P[i, k]·X[i, :].</summary>
    private static void Outer1<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> x, T scale, Span<T> g, int m, int n, int r, int k)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T g0 = ref MemoryMarshal.GetReference(g);
        var vs = Vector256.Create(scale);
        int width = Vector256<T>.Count;
        int j = 0;
        for (; j + width <= n; j += width)
        {
            var a0 = Vector256<T>.Zero;
            for (int i = 0; i < m; i++)
            {
                a0 = VectorFma.MultiplyAdd(Vector256.Create(p[i * r + k]), Vector256.LoadUnsafe(ref xs, (nuint)(i * n + j)), a0);
            }

            VectorFma.MultiplyAdd(vs, a0, Vector256.LoadUnsafe(ref g0, (nuint)j)).StoreUnsafe(ref g0, (nuint)j);
        }

        for (; j < n; j++)
        {
            T s0 = T.Zero;
            for (int i = 0; i < m; i++)
            {
                s0 += p[i * r + k] * Unsafe.Add(ref xs, i * n + j);
            }

            Unsafe.Add(ref g0, j) += scale * s0;
        }
    }

    private static void CheckLengths(int first, long firstExpected, int second, long secondExpected, int third, long thirdExpected)
    {
        if (first < firstExpected || second < secondExpected || third < thirdExpected)
        {
            throw new ArgumentException(
                $"Low-rank product: operands hold {first}, {second}, {third} elements but the shapes need {firstExpected}, {secondExpected}, {thirdExpected}.");
        }
    }
}
