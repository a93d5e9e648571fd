namespace Peft.Kernels;

/// <summary>A parallel region run by <see cref="KernelWorkerPool"/>: every participant calls
/// <see cref="Execute"/> once with its own index (0 is the caller).</summary>
internal interface IGemmParallelWork
{
    /// <summary>Runs participant <paramref name="thread"/>'s part; for the caller (0), returns when all is done.</summary>
    void Execute(int thread);
}
