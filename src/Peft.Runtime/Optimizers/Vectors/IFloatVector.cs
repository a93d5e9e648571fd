using System.Numerics;

namespace Peft;

/// <summary>
/// The few vector operations the optimizer kernels need, abstracted over the width
/// (<see cref="FloatVector512{T}"/>, <see cref="FloatVector256{T}"/>, and <see cref="FloatScalar{T}"/>
/// for the tail) so that each update formula is written once. The wrappers are single-field structs the
/// JIT inlines away. (The runtime's own <c>ISimdVector</c> is internal.)
/// </summary>
internal interface IFloatVector<TSelf, T>
    where TSelf : struct, IFloatVector<TSelf, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs in hardware for <typeparamref name="T"/>.</summary>
    static abstract bool IsAccelerated { get; }

    static abstract TSelf Create(T value);

    static abstract TSelf Load(ref T source, nuint index);

    static abstract TSelf Sqrt(TSelf value);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);

    void Store(ref T destination, nuint index);
}
