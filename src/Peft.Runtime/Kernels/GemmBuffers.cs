using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Peft.Kernels;

/// <summary>
/// Per-thread packing buffers, allocated once on the pinned object heap, 64-byte aligned and reused by
/// every later call on that thread, so a steady-state GEMM allocates nothing.
/// </summary>
internal static unsafe class GemmBuffers<T>
    where T : unmanaged
{
    private const int Alignment = 64;

    [ThreadStatic]
    private static T[]? t_packedA;

    [ThreadStatic]
    private static T[]? t_packedB;

    [ThreadStatic]
    private static T[]? t_sharedA;

    /// <summary>A 64-byte aligned buffer of at least <paramref name="length"/> elements for packed A.</summary>
    public static T* PackedA(int length) => Aligned(ref t_packedA, length);

    /// <summary>A 64-byte aligned buffer of at least <paramref name="length"/> elements for packed B.</summary>
    public static T* PackedB(int length) => Aligned(ref t_packedB, length);

    /// <summary>A 64-byte aligned buffer of at least <paramref name="length"/> elements for an A packed once and shared by all threads.</summary>
    public static T* SharedA(int length) => Aligned(ref t_sharedA, length);

    private static T* Aligned(ref T[]? buffer, int length)
    {
        int padded = length + (Alignment / sizeof(T));
        if (buffer is null || buffer.Length < padded)
        {
            buffer = GC.AllocateUninitializedArray<T>(padded, pinned: true);
        }

        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (T*)((address + (Alignment - 1)) & ~(nint)(Alignment - 1));
    }
}
