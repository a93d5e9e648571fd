using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Peft;

/// <summary>Checks System.Numerics.Tensors spans against a <c>[batch, features]</c> shape and exposes their memory as spans.</summary>
internal static class TensorShape
{
    /// <summary>The lengths written as <c>[d0, d1, …]</c>.</summary>
    public static string Describe(ReadOnlySpan<nint> lengths)
    {
        var text = new System.Text.StringBuilder("[");
        for (int i = 0; i < lengths.Length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(lengths[i]);
        }

        return text.Append(']').ToString();
    }

    /// <summary>
    /// Checks that <paramref name="tensor"/> is a dense rank-2 tensor of <c>[rows, columns]</c>
    /// (a negative expected size accepts any) and returns its rows and memory.
    /// </summary>
    public static ReadOnlySpan<T> Matrix<T>(in ReadOnlyTensorSpan<T> tensor, int rows, int columns, string owner, string name, out int actualRows)
    {
        var lengths = tensor.Lengths;
        if (lengths.Length != 2 || (rows >= 0 && lengths[0] != rows) || (columns >= 0 && lengths[1] != columns))
        {
            throw new ArgumentException(
                $"{owner}: {name} has shape {Describe(lengths)}, expected [{(rows >= 0 ? rows : "batch")}, {(columns >= 0 ? columns : "features")}].", name);
        }

        if (!tensor.IsDense)
        {
            throw new ArgumentException($"{owner}: {name} with shape {Describe(lengths)} must be dense (contiguous, row-major).", name);
        }

        actualRows = checked((int)lengths[0]);
        int length = checked((int)tensor.FlattenedLength);
        return length == 0
            ? ReadOnlySpan<T>.Empty
            : MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in tensor.GetPinnableReference()), length);
    }

    /// <summary>As <see cref="Matrix{T}(in ReadOnlyTensorSpan{T}, int, int, string, string, out int)"/>, writable.</summary>
    public static Span<T> Matrix<T>(in TensorSpan<T> tensor, int rows, int columns, string owner, string name)
    {
        var span = Matrix((ReadOnlyTensorSpan<T>)tensor, rows, columns, owner, name, out _);
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(span), span.Length);
    }
}
