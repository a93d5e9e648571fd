using System.Numerics;
using System.Runtime.CompilerServices;

namespace Peft;

/// <summary>One element as an <see cref="IFloatVector{TSelf, T}"/>: the kernels' scalar tail, with the same formulas.</summary>
internal readonly struct FloatScalar<T>(T value) : IFloatVector<FloatScalar<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T _value = value;

    public static int Count => 1;

    public static bool IsAccelerated => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar<T> Create(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar<T> Load(ref T source, nuint index) => new(Unsafe.Add(ref source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar<T> Sqrt(FloatScalar<T> value) => new(T.Sqrt(value._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar<T> operator +(FloatScalar<T> left, FloatScalar<T> right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar<T> operator -(FloatScalar<T> left, FloatScalar<T> right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar<T> operator *(FloatScalar<T> left, FloatScalar<T> right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FloatScalar<T> operator /(FloatScalar<T> left, FloatScalar<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref T destination, nuint index) => Unsafe.Add(ref destination, index) = _value;
}
