namespace Peft;

/// <summary>
/// Where the adapter products leave the SIMD loops for the packed GEMM: the one place the choice is made, from
/// measurements (the <c>lowrank</c> command of benchmarks/Peft.Benchmarks; the numbers and the method are in docs/low-rank.md).
/// The runtime kernel (<see cref="RuntimeLoRAKernel{T}"/>) and the generated ones (<see cref="Peft.Generated.LowRankPasses{T, TLoops}"/>)
/// follow the same rule, so the two paths sum in the same order wherever either uses the GEMM.
/// </summary>
/// <remarks>
/// The loops stream the long side once per product and keep r (or a block of rank rows) in registers, so they win while
/// r is small; their cost per multiply-add grows with r (register pressure, then several passes over the same rows),
/// while the GEMM's is flat but carries packing and, for a product only r wide, padded tiles. Measured per core
/// (<c>DOTNET_PROCESSOR_COUNT=1</c>, process CPU time, in = out = 1024, batches 64–4096, AVX2):
/// <list type="bullet">
/// <item>r ≤ 8: both kinds of loops are 1.5–3× faster than the GEMM at every batch;</item>
/// <item>r = 12: the GEMM beats the runtime loops up to batch 1024 (by 1.2–1.6×) and loses at 4096; the generated loops
/// are level with it up to 1024 and 1.3× ahead at 4096;</item>
/// <item>r ≥ 16: the GEMM is faster than the runtime loops at every batch (1.7–3×) and level with or ahead of the
/// generated ones (1.0–1.5×).</item>
/// </list>
/// The generator unrolls loops only up to <see cref="GeneratedLoopsMaxRank"/>; larger ranks call the GEMM passes directly.
/// </remarks>
internal static class LowRankCrossover
{
    /// <summary>The rank from which the adapter products run on the GEMM, at every batch.</summary>
    public const int GemmRank = 16;

    /// <summary>
    /// The largest rank the generator unrolls loops for (<c>PeftGenerator.MaxUnrolledRank</c> holds the same number; a test
    /// keeps them equal): from <see cref="GemmRank"/> on the loops would never run.
    /// </summary>
    public const int GeneratedLoopsMaxRank = GemmRank - 1;

    /// <summary>
    /// Multiply-adds of a pass group (one parallel region) below which it runs on the calling thread: waking the second
    /// core costs about ten microseconds, about a million multiply-adds here (<c>PeftGenerator.ParallelWork</c> documents the
    /// same threshold). Both paths use it.
    /// </summary>
    public const long RegionWork = 2_000_000;

    /// <summary>Every participant for a region of at least <see cref="RegionWork"/> multiply-adds, else only the calling thread.</summary>
    public static int Participants(long work) => work >= RegionWork ? Peft.Generated.KernelParallel.MaxParticipants : 1;

    /// <summary>Whether the products of an adapter of <paramref name="rank"/> run on the GEMM rather than on the loops.</summary>
    public static bool UseGemm(int rank) => rank >= GemmRank;
}
