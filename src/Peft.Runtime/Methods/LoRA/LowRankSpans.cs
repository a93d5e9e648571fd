using System.Numerics;

namespace Peft;

/// <summary>
/// The span checks of the LoRA passes, shared by the loop path (<see cref="Peft.Generated.LowRankPasses{T, TLoops}"/>) and
/// the GEMM path (<see cref="Peft.Generated.LowRankGemmPasses{T}"/>): the loops use unchecked references, so every span is
/// checked once, up front, and a wrong one is reported with the layer and the span's name.
/// </summary>
internal static class LowRankSpans
{
    /// <summary>Checks <c>x[batch, in]</c>, <c>A[r, in]</c>, <c>B[out, r]</c>, <c>xa[batch, r]</c>, <c>y[batch, out]</c>.</summary>
    public static void CheckForward<T>(
        string layer, int rank, ReadOnlySpan<T> x, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> xa, Span<T> y,
        int batch, int inFeatures, int outFeatures)
    {
        CheckFactors(layer, rank, a, b, inFeatures, outFeatures);
        Check(layer, x.Length, batch * inFeatures, nameof(x));
        Check(layer, xa.Length, batch * rank, nameof(xa));
        Check(layer, y.Length, batch * outFeatures, nameof(y));
    }

    /// <summary>Checks the backward spans; an empty gradient span is a skipped product and is not checked.</summary>
    public static void CheckBackward<T>(
        string layer, int rank, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> xa,
        Span<T> dyB, Span<T> aGradient, Span<T> bGradient, Span<T> inputGradient, int batch, int inFeatures, int outFeatures)
    {
        CheckFactors(layer, rank, a, b, inFeatures, outFeatures);
        Check(layer, x.Length, batch * inFeatures, nameof(x));
        Check(layer, dy.Length, batch * outFeatures, nameof(dy));
        Check(layer, xa.Length, batch * rank, nameof(xa));
        Check(layer, dyB.Length, batch * rank, nameof(dyB));
        CheckOptional(layer, bGradient.Length, outFeatures * rank, nameof(bGradient));
        CheckOptional(layer, aGradient.Length, rank * inFeatures, nameof(aGradient));
        CheckOptional(layer, inputGradient.Length, batch * inFeatures, nameof(inputGradient));
    }

    /// <summary>Checks <c>A[r, in]</c>, <c>B[out, r]</c> and <c>W[out, in]</c> of a merge.</summary>
    public static void CheckMerge<T>(string layer, int rank, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> weight, int inFeatures, int outFeatures)
    {
        CheckFactors(layer, rank, a, b, inFeatures, outFeatures);
        Check(layer, weight.Length, outFeatures * inFeatures, nameof(weight));
    }

    private static void CheckFactors<T>(string layer, int rank, ReadOnlySpan<T> a, ReadOnlySpan<T> b, int inFeatures, int outFeatures)
    {
        Check(layer, a.Length, rank * inFeatures, nameof(a));
        Check(layer, b.Length, outFeatures * rank, nameof(b));
    }

    private static void CheckOptional(string layer, int actual, int expected, string name)
    {
        if (actual != 0)
        {
            Check(layer, actual, expected, name);
        }
    }

    private static void Check(string layer, int actual, int expected, string name)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{layer}: span '{name}' has {actual} elements, expected {expected}.", name);
        }
    }
}
