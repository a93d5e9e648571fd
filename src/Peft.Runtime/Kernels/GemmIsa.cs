using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Peft.Kernels;

/// <summary>The instruction-set level a GEMM micro-kernel is built on.</summary>
internal enum GemmIsa
{
    /// <summary>Plain scalar arithmetic; runs everywhere.</summary>
    Scalar,

    /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA).</summary>
    Vector256,

    /// <summary>512-bit vectors with fused multiply-add (AVX-512F).</summary>
    Vector512,
}

/// <summary>Run-time detection of the best <see cref="GemmIsa"/> the machine supports.</summary>
internal static class GemmIsaDetection
{
    /// <summary>The widest level with hardware vectors and FMA, detected once.</summary>
    public static GemmIsa Best { get; } = Detect();

    /// <summary>Whether <paramref name="isa"/> can run on this machine.</summary>
    public static bool IsSupported(GemmIsa isa) => isa switch
    {
        GemmIsa.Scalar => true,
        GemmIsa.Vector256 => Vector256.IsHardwareAccelerated && Fma.IsSupported,
        GemmIsa.Vector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        _ => false,
    };

    private static GemmIsa Detect() =>
        IsSupported(GemmIsa.Vector512) ? GemmIsa.Vector512
        : IsSupported(GemmIsa.Vector256) ? GemmIsa.Vector256
        : GemmIsa.Scalar;
}
