using Peft.Kernels;
using Peft.Quantization;

namespace Peft;

/// <summary>The QLoRA base: a frozen weight held as 4-bit NormalFloat and dequantized block by block in the GEMMs.</summary>
public partial class Linear<T>
{
    /// <summary>Elements of dequantized weight per GEMM pass: rows of W are expanded this many at a time.</summary>
    private const int DequantizedElementsPerPass = 1 << 17;

    private NF4Weight? _quantized;

    /// <summary>The weight as 4-bit NormalFloat, or <see langword="null"/> when it is held at full precision.</summary>
    public NF4Weight? QuantizedWeight => _quantized;

    /// <summary>Whether the weight is held as 4-bit NormalFloat (<see cref="Quantize"/>).</summary>
    public bool IsQuantized => _quantized is not null;

    /// <summary>
    /// Stores the weight as 4-bit NormalFloat, as QLoRA does (bitsandbytes' <c>nf4</c>, blocks of 64), and drops
    /// the full-precision array: the layer becomes frozen, adapters attached to it train as before on
    /// <c>y = x·dequant(W)ᵀ + b + Δ(x)</c>, and <see cref="Parameter{T}.Value"/> of the weight is unavailable
    /// until <see cref="Dequantize"/>. Merging an adapter dequantizes first.
    /// </summary>
    /// <param name="doubleQuantize">Quantize the block scales too (<c>bnb_4bit_use_double_quant</c>): 0.129× the
    /// float32 bytes instead of 0.141×.</param>
    /// <exception cref="InvalidOperationException">The weight is already quantized, or an adapter is merged into it.</exception>
    /// <exception cref="ArgumentException">The weight holds NaN or infinite values (the message names the element).</exception>
    public void Quantize(bool doubleQuantize = true)
    {
        if (_quantized is not null)
        {
            throw new InvalidOperationException($"{Describe()}: the weight is already quantized.");
        }

        if (_adapters is not null && _adapters.HasMerged)
        {
            throw new InvalidOperationException($"{Describe()}: an adapter is merged into the weight; unmerge it before quantizing.");
        }

        _quantized = NF4Weight.Quantize<T>(Weight.Value, OutFeatures, InFeatures, doubleQuantize, Describe());
        IsFrozen = true;
        Weight.ReleaseValue($"held as 4-bit NormalFloat by {Describe()}");
    }

    /// <summary>Expands a quantized weight back into a (frozen) <typeparamref name="T"/> array, with the
    /// quantization's rounding; does nothing when the weight is not quantized.</summary>
    public void Dequantize()
    {
        if (_quantized is null)
        {
            return;
        }

        var values = new T[OutFeatures * InFeatures];
        _quantized.Dequantize<T>(0, OutFeatures, values);
        Weight.RestoreValue(values);
        _quantized = null;
    }

    /// <summary>y[:, r₀:r₁] = x·W[r₀:r₁, :]ᵀ for successive row blocks of the dequantized weight.</summary>
    private void ForwardQuantized(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        int rowsPerPass = RowsPerPass();
        Span<T> rows = DequantizedRows.Get(rowsPerPass * InFeatures);
        for (int first = 0; first < OutFeatures; first += rowsPerPass)
        {
            int count = Math.Min(rowsPerPass, OutFeatures - first);
            _quantized!.Dequantize(first, count, rows);
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.Transpose, batch, count, InFeatures,
                T.One, input, InFeatures, rows, InFeatures, T.Zero, output[first..], OutFeatures);
        }
    }

    /// <summary>dX = Σ over row blocks dY[:, r₀:r₁]·W[r₀:r₁, :] (+ dxBeta·dX before the first).</summary>
    private void InputGradientQuantized(ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch, T dxBeta)
    {
        int rowsPerPass = RowsPerPass();
        Span<T> rows = DequantizedRows.Get(rowsPerPass * InFeatures);
        T beta = dxBeta;
        for (int first = 0; first < OutFeatures; first += rowsPerPass)
        {
            int count = Math.Min(rowsPerPass, OutFeatures - first);
            _quantized!.Dequantize(first, count, rows);
            Gemm.Multiply(MatrixTranspose.None, MatrixTranspose.None, batch, InFeatures, count,
                T.One, outputGradient[first..], OutFeatures, rows, InFeatures, beta, inputGradient, InFeatures);
            beta = T.One;
        }
    }

    private int RowsPerPass() => Math.Clamp(DequantizedElementsPerPass / InFeatures, 1, OutFeatures);

    private void ThrowIfQuantized(string action)
    {
        if (_quantized is not null)
        {
            throw new InvalidOperationException(
                $"{Describe()}: the weight is quantized (NF4) and frozen; call Dequantize() before you {action}.");
        }
    }

    /// <summary>One growable buffer per thread for dequantized rows: steady-state steps allocate nothing.</summary>
    private static class DequantizedRows
    {
        [ThreadStatic]
        private static T[]? t_buffer;

        public static Span<T> Get(int length)
        {
            if (t_buffer is null || t_buffer.Length < length)
            {
                t_buffer = new T[length];
            }

            return t_buffer.AsSpan(0, length);
        }
    }
}
