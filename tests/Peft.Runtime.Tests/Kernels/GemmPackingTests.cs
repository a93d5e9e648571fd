using System.Numerics;
using Peft.Kernels;

namespace Peft.Tests.Kernels;

/// <summary>
/// The packing routines element by element against their definition, for the panel widths the micro-kernels use
/// (Mr = 4, 6, 8; Nr = 8, 16, 32), full and partial panels, depths with and without a tail past the 8-wide transposes.
/// </summary>
public sealed unsafe class GemmPackingTests
{
    public static TheoryData<int, int, int, bool> Panels()
    {
        var data = new TheoryData<int, int, int, bool>();
        foreach (int width in new[] { 4, 6, 8, 16, 32 })
        {
            foreach (int kc in new[] { 1, 7, 8, 19, 64 })
            {
                foreach (bool transposed in new[] { false, true })
                {
                    data.Add(width, width, kc, transposed);
                    data.Add(width, width - 1, kc, transposed);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Panels))]
    public void A_panels_hold_op_A_row_index_fastest(int width, int rows, int kc, bool transposed)
    {
        Check<float>(width, rows, kc, transposed);
        Check<double>(width, rows, kc, transposed);
    }

    [Theory]
    [MemberData(nameof(Panels))]
    public void B_panels_hold_op_B_column_index_fastest_with_zero_padding(int width, int columns, int kc, bool transposed)
    {
        CheckB<float>(width, columns, kc, transposed);
        CheckB<double>(width, columns, kc, transposed);
    }

    private static void Check<T>(int width, int rows, int kc, bool transposed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Two panels of op(A), offset inside a padded source (i0 = 3, p0 = 5), so strides and offsets are exercised.
        int mc = width + rows, i0 = 3, p0 = 5, lda = (transposed ? i0 + mc : p0 + kc) + 2;
        int sourceRows = transposed ? p0 + kc : i0 + mc;
        T[] a = Source<T>(sourceRows * lda);
        var packed = new T[2 * width * kc];
        packed.AsSpan().Fill(T.NaN);
        fixed (T* pa = a, pd = packed)
        {
            GemmPacking.PackA(pa, lda, transposed, i0, mc, p0, kc, width, pd);
        }

        for (int q = 0; q < 2; q++)
        {
            int count = q == 0 ? width : rows;
            for (int p = 0; p < kc; p++)
            {
                for (int r = 0; r < count; r++)
                {
                    int i = i0 + (q * width) + r, k = p0 + p;
                    T expected = transposed ? a[(k * lda) + i] : a[(i * lda) + k];
                    Assert.Equal(expected, packed[(q * width * kc) + (p * width) + r]);
                }
            }
        }
    }

    private static void CheckB<T>(int width, int columns, int kc, bool transposed)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j0 = 2, p0 = 4, ldb = (transposed ? p0 + kc : j0 + columns) + 3;
        int sourceRows = transposed ? j0 + columns : p0 + kc;
        T[] b = Source<T>(sourceRows * ldb);
        var packed = new T[width * kc];
        packed.AsSpan().Fill(T.NaN);
        fixed (T* pb = b, pd = packed)
        {
            GemmPacking.PackBPanel(pb, ldb, transposed, p0, kc, j0, columns, width, pd);
        }

        for (int p = 0; p < kc; p++)
        {
            for (int j = 0; j < width; j++)
            {
                int k = p0 + p, col = j0 + j;
                T expected = j >= columns ? T.Zero : transposed ? b[(col * ldb) + k] : b[(k * ldb) + col];
                Assert.Equal(expected, packed[(p * width) + j]);
            }
        }
    }

    private static T[] Source<T>(int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Enumerable.Range(0, length).Select(i => T.CreateChecked(i + 1)).ToArray();
}
