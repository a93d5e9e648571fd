namespace Peft;

/// <summary>How a LoRA kernel computes its adapter products (<see cref="LowRankCrossover"/> picks for <see cref="Auto"/>).</summary>
internal enum LowRankPath
{
    /// <summary>The measured crossover decides, per call, from the rank and the batch.</summary>
    Auto,

    /// <summary>The SIMD loops over the long side (rank-unrolled when generated, blocks of four rank rows in the runtime).</summary>
    Loops,

    /// <summary>The packed GEMM (<see cref="Peft.Kernels.Gemm"/>) for every product.</summary>
    Gemm,
}
