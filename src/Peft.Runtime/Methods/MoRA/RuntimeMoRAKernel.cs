using System.Numerics;
using System.Numerics.Tensors;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// The generic MoRA kernel: the non-parametric compression / decompression of <see cref="MoRAShape"/>
/// and their adjoints, with M applied through <see cref="Gemm"/>. It defines what every specialized
/// <see cref="IMoRAKernel{T}"/> must compute; its stages are public so tests can check them one by one.
/// </summary>
public sealed class RuntimeMoRAKernel<T> : IMoRAKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _cos;
    private readonly T[] _sin;
    private readonly T[] _negativeSin;
    private readonly T[] _chunk;

    /// <summary>Creates the kernel for one layer geometry.</summary>
    public RuntimeMoRAKernel(MoRAShape shape)
    {
        if (shape.SquareRank <= 0)
        {
            throw new ArgumentException("MoRA kernel needs an initialised MoRAShape.", nameof(shape));
        }

        Shape = shape;
        (_cos, _sin) = shape.Type == MoRAType.RoPE ? shape.RotaryTables<T>() : ([], []);
        _negativeSin = new T[_sin.Length];
        TensorPrimitives.Negate(_sin, _negativeSin);
        _chunk = new T[shape.SquareRank];
    }

    /// <inheritdoc />
    public MoRAShape Shape { get; }

    /// <inheritdoc />
    public void Forward(ReadOnlySpan<T> x, ReadOnlySpan<T> m, Span<T> compressed, Span<T> mixed, Span<T> y, int batch)
    {
        int rows = batch * Shape.RowsPerItem;
        int rh = Shape.SquareRank;
        Compress(x, compressed, batch);

        // h[rows×r̂] = c[rows×r̂]·Mᵀ
        Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, rows, rh, rh,
            T.One, compressed, rh, m, rh, T.Zero, mixed, rh);
        Decompress(mixed, y, batch);
    }

    /// <inheritdoc />
    public void Backward(
        ReadOnlySpan<T> dy, ReadOnlySpan<T> m, ReadOnlySpan<T> compressed,
        Span<T> mixedGradient, Span<T> compressedGradient, Span<T> mGradient, Span<T> inputGradient, int batch)
    {
        int rows = batch * Shape.RowsPerItem;
        int rh = Shape.SquareRank;
        DecompressAdjoint(dy, mixedGradient, batch);
        if (!mGradient.IsEmpty)
        {
            // dM[r̂×r̂] += dhᵀ[r̂×rows]·c[rows×r̂]
            Gemm.Multiply(MatrixTranspose.Transpose, MatrixTranspose.None, rh, rh, rows,
                T.One, mixedGradient, rh, compressed, rh, T.One, mGradient, rh);
        }

        if (!inputGradient.IsEmpty)
        {
            // dc[rows×r̂] = dh[rows×r̂]·M
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, rows, rh, rh,
                T.One, mixedGradient, rh, m, rh, T.Zero, compressedGradient, rh);
            CompressAdjoint(compressedGradient, inputGradient, batch);
        }
    }

    private bool GroupedCompression => Methods.MoRAMethod.CompressesByGroups((int)Shape.Type);

    private bool GroupedDecompression => Methods.MoRAMethod.DecompressesByGroups((int)Shape.Type);

    /// <summary>
    /// Writes <c>c = compress(x)</c>, <c>[batch·RowsPerItem, r̂]</c>. Sharing: <c>c[j] = Σ_g x̄[g·r̂ + j]</c>.
    /// Grouped: <c>c[j] = Σ x[start_j .. start_{j+1})</c> over r̂ consecutive groups.
    /// RoPE: row g is chunk g rotated, <c>c[i] = v[i]·cos − v[i+h]·sin</c>, <c>c[i+h] = v[i+h]·cos + v[i]·sin</c>
    /// with <c>h = r̂/2</c> and angle <c>g·θ_i</c>.
    /// </summary>
    public void Compress(ReadOnlySpan<T> x, Span<T> compressed, int batch)
    {
        int rh = Shape.SquareRank;
        int inF = Shape.InFeatures;
        int rowsPerItem = Shape.RowsPerItem;
        for (int item = 0; item < batch; item++)
        {
            var xi = x.Slice(item * inF, inF);
            if (GroupedCompression)
            {
                var c = compressed.Slice(item * rh, rh);
                for (int j = 0; j < rh; j++)
                {
                    int start = Methods.MoRAMethod.GroupStart(j, inF, rh);
                    c[j] = TensorPrimitives.Sum<T>(xi[start..Methods.MoRAMethod.GroupStart(j + 1, inF, rh)]);
                }
            }
            else if (Shape.Type != MoRAType.RoPE)
            {
                var c = compressed.Slice(item * rh, rh);
                c.Clear();
                for (int g = 0; g < Shape.Chunks; g++)
                {
                    TensorPrimitives.Add(c, Chunk(xi, g), c);
                }
            }
            else
            {
                for (int g = 0; g < rowsPerItem; g++)
                {
                    Rotate(Chunk(xi, g), compressed.Slice((item * rowsPerItem + g) * rh, rh), g, inverse: false);
                }
            }
        }
    }

    /// <summary>
    /// Adds <c>decompress(h)</c>: <c>y[o] += h̄[o mod Period]</c> for <c>o &lt; out</c>; grouped: <c>y[o] += h[j]</c> for o in
    /// output group j.
    /// </summary>
    public void Decompress(ReadOnlySpan<T> mixed, Span<T> y, int batch)
    {
        int outF = Shape.OutFeatures;
        int itemLength = Shape.RowsPerItem * Shape.SquareRank;
        for (int item = 0; item < batch; item++)
        {
            var h = mixed.Slice(item * itemLength, itemLength);
            var yi = y.Slice(item * outF, outF);
            if (GroupedDecompression)
            {
                for (int j = 0; j < itemLength; j++)
                {
                    var group = yi[Methods.MoRAMethod.GroupStart(j, outF, itemLength)..Methods.MoRAMethod.GroupStart(j + 1, outF, itemLength)];
                    TensorPrimitives.Add(group, h[j], group);
                }

                continue;
            }

            for (int start = 0; start < outF; start += Shape.Period)
            {
                int length = Math.Min(Shape.Period, outF - start);
                var target = yi.Slice(start, length);
                TensorPrimitives.Add(target, h[..length], target);
            }
        }
    }

    /// <summary>
    /// Writes the adjoint of decompression: <c>dh[q] = Σ_{o &lt; out, o mod Period = q} dY[o]</c>; grouped: the sum of dY
    /// over output group q.
    /// </summary>
    public void DecompressAdjoint(ReadOnlySpan<T> dy, Span<T> mixedGradient, int batch)
    {
        int outF = Shape.OutFeatures;
        int itemLength = Shape.RowsPerItem * Shape.SquareRank;
        for (int item = 0; item < batch; item++)
        {
            var dh = mixedGradient.Slice(item * itemLength, itemLength);
            var dyi = dy.Slice(item * outF, outF);
            if (GroupedDecompression)
            {
                for (int j = 0; j < itemLength; j++)
                {
                    dh[j] = TensorPrimitives.Sum<T>(dyi[Methods.MoRAMethod.GroupStart(j, outF, itemLength)..Methods.MoRAMethod.GroupStart(j + 1, outF, itemLength)]);
                }

                continue;
            }

            dh.Clear();
            for (int start = 0; start < outF; start += Shape.Period)
            {
                int length = Math.Min(Shape.Period, outF - start);
                var target = dh[..length];
                TensorPrimitives.Add(target, dyi.Slice(start, length), target);
            }
        }
    }

    /// <summary>
    /// Adds the adjoint of compression to dX: every padded position p gets the gradient of the row
    /// element it fed, and <c>dX[p mod in]</c> accumulates it (the cyclic padding folds back).
    /// </summary>
    public void CompressAdjoint(ReadOnlySpan<T> compressedGradient, Span<T> inputGradient, int batch)
    {
        int rh = Shape.SquareRank;
        int inF = Shape.InFeatures;
        int rowsPerItem = Shape.RowsPerItem;
        bool sharing = Shape.Type != MoRAType.RoPE;
        int chunks = sharing ? Shape.Chunks : rowsPerItem;
        for (int item = 0; item < batch; item++)
        {
            var dx = inputGradient.Slice(item * inF, inF);
            if (GroupedCompression)
            {
                // Every element of input group j fed c[j]: dx[group j] += dc[j].
                for (int j = 0; j < rh; j++)
                {
                    var group = dx[Methods.MoRAMethod.GroupStart(j, inF, rh)..Methods.MoRAMethod.GroupStart(j + 1, inF, rh)];
                    TensorPrimitives.Add(group, compressedGradient[item * rh + j], group);
                }

                continue;
            }

            for (int g = 0; g < chunks; g++)
            {
                ReadOnlySpan<T> dv;
                if (sharing)
                {
                    // Every chunk fed the same row: dv = dc.
                    dv = compressedGradient.Slice(item * rh, rh);
                }
                else
                {
                    // Inverse rotation: dv[i] = dc[i]·cos + dc[i+h]·sin, dv[i+h] = dc[i+h]·cos − dc[i]·sin.
                    Rotate(compressedGradient.Slice((item * rowsPerItem + g) * rh, rh), _chunk, g, inverse: true);
                    dv = _chunk;
                }

                AddChunk(dv, dx, g);
            }
        }
    }

    /// <summary>Chunk g of the cyclically padded row (a slice when it lies inside x, else gathered).</summary>
    private ReadOnlySpan<T> Chunk(ReadOnlySpan<T> x, int g)
    {
        int rh = Shape.SquareRank;
        int start = g * rh;
        if (start + rh <= x.Length)
        {
            return x.Slice(start, rh);
        }

        for (int i = 0; i < rh; i++)
        {
            _chunk[i] = x[(start + i) % x.Length];
        }

        return _chunk;
    }

    /// <summary>dx[(g·r̂ + i) mod in] += dv[i].</summary>
    private void AddChunk(ReadOnlySpan<T> dv, Span<T> dx, int g)
    {
        int rh = Shape.SquareRank;
        int start = g * rh;
        if (start + rh <= dx.Length)
        {
            var target = dx.Slice(start, rh);
            TensorPrimitives.Add(target, dv, target);
            return;
        }

        for (int i = 0; i < rh; i++)
        {
            dx[(start + i) % dx.Length] += dv[i];
        }
    }

    /// <summary>
    /// Rotates pairs (i, i + r̂/2) by the angle g·θ_i (or by −g·θ_i when <paramref name="inverse"/>):
    /// <c>lo' = lo·cos − hi·sin</c>, <c>hi' = hi·cos + lo·sin</c> (sin negated for the inverse).
    /// </summary>
    private void Rotate(ReadOnlySpan<T> source, Span<T> destination, int g, bool inverse)
    {
        int half = Shape.SquareRank / 2;
        var cos = _cos.AsSpan(g * half, half);
        var sin = (inverse ? _negativeSin : _sin).AsSpan(g * half, half);
        var negativeSin = (inverse ? _sin : _negativeSin).AsSpan(g * half, half);
        var lo = source[..half];
        var hi = source.Slice(half, half);
        var loOut = destination[..half];
        var hiOut = destination.Slice(half, half);
        TensorPrimitives.Multiply(lo, cos, loOut);
        TensorPrimitives.MultiplyAdd(hi, negativeSin, loOut, loOut);
        TensorPrimitives.Multiply(hi, cos, hiOut);
        TensorPrimitives.MultiplyAdd(lo, sin, hiOut, hiOut);
    }
}
