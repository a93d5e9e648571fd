using System.ComponentModel;

namespace Peft.Generated;

/// <summary>
/// One SIMD width as a type, so that a loop is written once and specialized per width: the generated
/// low-rank loops are generic over it and the JIT compiles one copy per width (struct type arguments
/// are never shared), with every member inlined.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <typeparam name="TVector">The vector type of this width.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISimd<T, TVector>
    where T : unmanaged
    where TVector : struct
{
    /// <summary>Whether this width runs in hardware (otherwise callers use only their scalar tail).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>Elements per vector.</summary>
    static abstract int Count { get; }

    /// <summary>The vector of zeros.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Every element equal to <paramref name="value"/>.</summary>
    static abstract TVector Create(T value);

    /// <summary>Loads <c>source[offset .. offset + Count)</c> without a bounds check.</summary>
    static abstract TVector LoadUnsafe(ref T source, nuint offset);

    /// <summary>Stores to <c>destination[offset .. offset + Count)</c> without a bounds check.</summary>
    static abstract void StoreUnsafe(TVector value, ref T destination, nuint offset);

    /// <summary><c>a·b + c</c> rounded once.</summary>
    static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>The sum of the elements.</summary>
    static abstract T Sum(TVector value);
}
