namespace Peft.Kernels;

/// <summary>A parallel region run by <see cref="GemmWorkerPool"/>: every participant calls
/// <see cref="Execute"/> once with its own index.</summary>
internal interface IGemmParallelWork
{
    /// <summary>Runs the share of participant <paramref name="thread"/> out of <paramref name="threadCount"/>.</summary>
    void Execute(int thread, int threadCount);
}
