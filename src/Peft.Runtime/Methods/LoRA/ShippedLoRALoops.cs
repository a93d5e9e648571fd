using Peft.Generated;
using Peft.Generated.Shipped;

namespace Peft;

/// <summary>
/// The LoRA kernels of <see cref="RuntimeLoRAKernel{T}"/> at the ranks whose generated loops the runtime ships
/// (<c>ShippedLowRankLoops.g.cs</c>, the generator's own output): float adapters of rank 1, 2, 4 or 8 attached without
/// generated kernels — <c>Apply(config)</c> on a pretrained model, the <c>peft</c> command — run the same rank-unrolled
/// loops, in the same parallel regions, as a generated kernel of that rank, and compute exactly its sums.
/// </summary>
internal static class ShippedLoRALoops
{
    /// <summary>The shipped ranks (the generator's <c>ShippedLoopRanks</c>; a test keeps them equal).</summary>
    internal static readonly int[] Ranks = [1, 2, 4, 8];

    /// <summary>The kernel of <paramref name="rank"/> (errors name it <paramref name="layer"/>), or null when no loops are shipped for it.</summary>
    public static ILoRAKernel<float>? For(string layer, int rank) => rank switch
    {
        1 => new Kernel<Rank1SingleLoops>(layer),
        2 => new Kernel<Rank2SingleLoops>(layer),
        4 => new Kernel<Rank4SingleLoops>(layer),
        8 => new Kernel<Rank8SingleLoops>(layer),
        _ => null,
    };

    /// <summary>
    /// <see cref="LowRankPasses{T, TLoops}"/> over one rank's loops, any layer shape, with the scale passed at each call,
    /// and its scratch (grown only when the layer widens).
    /// </summary>
    private sealed class Kernel<TLoops>(string layer) : ILoRAKernel<float>
        where TLoops : struct, ILowRankLoops<float>
    {
        private float[] _bTransposed = [];
        private float[] _bGradientTransposed = [];
        private float[] _aPadded = [];

        public int Rank => TLoops.Rank;

        public int InFeatures => 0;

        public int OutFeatures => 0;

        public void Forward(
            ReadOnlySpan<float> x, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale, Span<float> xa, Span<float> y,
            int batch, int inFeatures, int outFeatures) =>
            LowRankPasses<float, TLoops>.Forward(layer, x, a, b, scale, xa, y, ref _bTransposed, ref _aPadded, batch, inFeatures, outFeatures);

        public void Backward(
            ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> xa, float scale,
            Span<float> dyB, Span<float> aGradient, Span<float> bGradient, Span<float> inputGradient, int batch, int inFeatures, int outFeatures) =>
            LowRankPasses<float, TLoops>.Backward(layer, x, dy, a, b, xa, scale, dyB, aGradient, bGradient, inputGradient,
                ref _bTransposed, ref _bGradientTransposed, ref _aPadded, batch, inFeatures, outFeatures);

        public void AddDeltaWeight(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float scale, float factor, Span<float> weight, int inFeatures, int outFeatures) =>
            LowRankPasses<float, TLoops>.AddDeltaWeight(layer, a, b, factor * scale, weight, inFeatures, outFeatures);
    }
}
