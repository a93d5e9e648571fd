using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Peft;

/// <summary>A <see cref="Vector512{T}"/> as an <see cref="IFloatVector{TSelf, T}"/>.</summary>
internal readonly struct FloatVector512<T>(Vector512<T> value) : IFloatVector<FloatVector512<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Vector512<T> _value = value;

    public static int Count => Vector512<T>.Count;

    public static bool IsAccelerated => Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512<T> Create(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512<T> Load(ref T source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512<T> Sqrt(FloatVector512<T> value) => new(Vector512.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512<T> operator +(FloatVector512<T> left, FloatVector512<T> right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512<T> operator -(FloatVector512<T> left, FloatVector512<T> right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512<T> operator *(FloatVector512<T> left, FloatVector512<T> right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatVector512<T> operator /(FloatVector512<T> left, FloatVector512<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref T destination, nuint index) => _value.StoreUnsafe(ref destination, index);
}
