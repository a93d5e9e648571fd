using System.Numerics;

namespace Peft.Kernels;

/// <summary>A layer whose loop over rows (or chunks) can be split over the worker pool: <see cref="ParallelRows.Run{T}"/> calls it on disjoint ranges.</summary>
internal interface IParallelRows
{
    /// <summary>Processes rows <c>[start, end)</c> of pass <paramref name="pass"/> as participant <paramref name="participant"/>.</summary>
    void RunRows(int pass, int participant, int start, int end);
}

/// <summary>
/// Splits a layer's row loop over <see cref="KernelParallel"/> in chunks of about
/// <see cref="ElementsPerChunk"/> elements, so small inputs stay on the calling thread.
/// </summary>
internal static class ParallelRows
{
    /// <summary>The elements one participant takes at a time: large enough that a chunk outweighs waking a worker.</summary>
    public const int ElementsPerChunk = 32768;

    /// <summary>The most participants a loop of <paramref name="rows"/> rows of <paramref name="width"/> elements uses (size per-participant scratch with it).</summary>
    public static int Participants(int rows, int width) =>
        KernelParallel.PlannedParticipants(rows, Grain(width), KernelParallel.MaxParticipants);

    /// <summary>Runs <paramref name="owner"/>'s pass over <paramref name="rows"/> rows of <paramref name="width"/> elements.</summary>
    public static void Run<T>(IParallelRows owner, int pass, int rows, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => KernelParallel.Run(new Region<T>(owner, pass), default(KernelSpans<T>), rows, Grain(width), KernelParallel.MaxParticipants);

    private static int Grain(int width) => Math.Max(1, ElementsPerChunk / Math.Max(1, width));

    private readonly struct Region<T>(IParallelRows owner, int pass) : IKernelRegion<T>
        where T : unmanaged
    {
        public void Execute(int participant, int start, int end, in PinnedSpans<T> spans) => owner.RunRows(pass, participant, start, end);
    }
}
