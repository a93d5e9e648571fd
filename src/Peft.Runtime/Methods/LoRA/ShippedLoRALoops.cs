using System.Runtime.InteropServices;
using Peft.Generated;
using Peft.Generated.Shipped;

namespace Peft;

/// <summary>
/// The LoRA passes of <see cref="RuntimeLoRAKernel{T}"/> at the ranks whose generated loops the runtime ships
/// (<c>ShippedLowRankLoops.g.cs</c>, the generator's own output): float adapters of rank 1, 2, 4 or 8 attached without
/// generated kernels — <c>Apply(config)</c> on a pretrained model, the <c>peft</c> command — run the same rank-unrolled
/// loops, in the same parallel regions, as a generated kernel of that rank, and compute exactly its sums.
/// </summary>
internal abstract class ShippedLoRALoops
{
    /// <summary>The shipped ranks (the generator's <c>ShippedLoopRanks</c>; a test keeps them equal).</summary>
    internal static readonly int[] Ranks = [1, 2, 4, 8];

    /// <summary>The passes of <paramref name="rank"/>, or null when no loops are shipped for it.</summary>
    public static ShippedLoRALoops? For(int rank) => rank switch
    {
        1 => new Passes<Rank1SingleLoops>(),
        2 => new Passes<Rank2SingleLoops>(),
        4 => new Passes<Rank4SingleLoops>(),
        8 => new Passes<Rank8SingleLoops>(),
        _ => null,
    };

    /// <summary>Casts float spans of a <typeparamref name="T"/> kernel (callers check that T is float).</summary>
    public static ReadOnlySpan<float> Floats<T>(ReadOnlySpan<T> span)
        where T : unmanaged => MemoryMarshal.Cast<T, float>(span);

    /// <inheritdoc cref="Floats{T}(ReadOnlySpan{T})"/>
    public static Span<float> Floats<T>(Span<T> span)
        where T : unmanaged => MemoryMarshal.Cast<T, float>(span);

    /// <summary>The forward of <see cref="LowRankPasses{T, TLoops}"/> at this rank.</summary>
    public abstract void Forward(
        string layer, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale, Span<float> xa, Span<float> y,
        int batch, int inFeatures, int outFeatures);

    /// <summary>The backward of <see cref="LowRankPasses{T, TLoops}"/> at this rank.</summary>
    public abstract void Backward(
        string layer, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> xa,
        float scale, Span<float> dyB, Span<float> aGradient, Span<float> bGradient, Span<float> inputGradient,
        int batch, int inFeatures, int outFeatures);

    /// <summary>The passes over one rank's loops, with their scratch (grown only when the layer widens).</summary>
    private sealed class Passes<TLoops> : ShippedLoRALoops
        where TLoops : struct, ILowRankLoops<float>
    {
        private float[] _bTransposed = [];
        private float[] _bGradientTransposed = [];
        private float[] _aPadded = [];

        public override void Forward(
            string layer, ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale, Span<float> xa, Span<float> y,
            int batch, int inFeatures, int outFeatures) =>
            LowRankPasses<float, TLoops>.Forward(layer, x, a, b, scale, xa, y, ref _bTransposed, ref _aPadded, batch, inFeatures, outFeatures);

        public override void Backward(
            string layer, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> xa,
            float scale, Span<float> dyB, Span<float> aGradient, Span<float> bGradient, Span<float> inputGradient,
            int batch, int inFeatures, int outFeatures) =>
            LowRankPasses<float, TLoops>.Backward(layer, x, dy, a, b, xa, scale, dyB, aGradient, bGradient, inputGradient,
                ref _bTransposed, ref _bGradientTransposed, ref _aPadded, batch, inFeatures, outFeatures);
    }
}
