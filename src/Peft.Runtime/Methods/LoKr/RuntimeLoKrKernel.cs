using System.Numerics;
using System.Numerics.Tensors;
using Peft.Generated;

namespace Peft;

/// <summary>
/// The generic LoKr kernel: <see cref="LoKrKernel{T}"/> with the reorderings written for any geometry. It defines what
/// every generated LoKr kernel computes.
/// </summary>
public sealed class RuntimeLoKrKernel<T> : LoKrKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Creates the kernel for one geometry.</summary>
    public RuntimeLoKrKernel(LoKrShape shape)
        : base("LoKr kernel", shape)
    {
    }

    /// <inheritdoc />
    protected override void Interleave(ReadOnlySpan<T> source, Span<T> destination, int rows, int batch)
    {
        int b = Shape.OutRight;
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < rows; m++)
            {
                source.Slice((n * rows + m) * b, b).CopyTo(destination.Slice((m * batch + n) * b, b));
            }
        }
    }

    /// <inheritdoc />
    protected override void Deinterleave(ReadOnlySpan<T> source, Span<T> destination, int rows, int batch, bool add)
    {
        int b = Shape.OutRight;
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < rows; m++)
            {
                var from = source.Slice((m * batch + n) * b, b);
                var to = destination.Slice((n * rows + m) * b, b);
                if (add)
                {
                    TensorPrimitives.Add(to, from, to);
                }
                else
                {
                    from.CopyTo(to);
                }
            }
        }
    }
}
