using System.Numerics;

namespace Peft.Kernels;

/// <summary>
/// Cache blocking for one micro-kernel: a <c>Kc×Nr</c> micro-panel of packed B stays in L1 while the
/// kernel sweeps the <c>Mc×Kc</c> packed block of A held in L2; the <c>Kc×Nc</c> packed block of B
/// lives in L3. Sized for the development machine (AMD EPYC Zen 5: 48 KiB L1d, 1 MiB L2 per core).
/// </summary>
internal static unsafe class GemmBlocking<T, TKernel>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    private const int L1Budget = 32 * 1024;
    private const int L2Budget = 128 * 1024;
    private const int L3Budget = 2 * 1024 * 1024;

    /// <summary>Depth of a packed block: a <c>Kc×Nr</c> B micro-panel fills about 32 KiB of L1.</summary>
    public static readonly int Kc = Math.Clamp(L1Budget / (TKernel.Nr * sizeof(T)), 64, 512);

    /// <summary>Rows of a packed A block (a multiple of <c>Mr</c>): about 128 KiB of L2 (small enough that the threads share out several blocks).</summary>
    public static readonly int Mc = Math.Max(TKernel.Mr, L2Budget / (Kc * sizeof(T)) / TKernel.Mr * TKernel.Mr);

    /// <summary>Columns of a packed B block (a multiple of <c>Nr</c>): about 2 MiB of L3.</summary>
    public static readonly int Nc = Math.Max(TKernel.Nr, L3Budget / (Kc * sizeof(T)) / TKernel.Nr * TKernel.Nr);
}
