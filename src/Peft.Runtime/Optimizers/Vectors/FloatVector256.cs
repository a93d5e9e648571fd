using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Peft;

/// <summary>A <see cref="Vector256{T}"/> as an <see cref="IFloatVector{TSelf, T}"/>.</summary>
internal readonly struct FloatVector256<T>(Vector256<T> value) : IFloatVector<FloatVector256<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Vector256<T> _value = value;

    public static int Count => Vector256<T>.Count;

    public static bool IsAccelerated => Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256<T> Create(T value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256<T> Load(ref T source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256<T> Sqrt(FloatVector256<T> value) => new(Vector256.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256<T> operator +(FloatVector256<T> left, FloatVector256<T> right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256<T> operator -(FloatVector256<T> left, FloatVector256<T> right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256<T> operator *(FloatVector256<T> left, FloatVector256<T> right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector256<T> operator /(FloatVector256<T> left, FloatVector256<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref T destination, nuint index) => _value.StoreUnsafe(ref destination, index);
}
