using System.Numerics;

namespace Peft;

/// <summary>
/// The random draws of a LyCORIS-family adapter (LoHa, LoKr), seeded by the options: Kaiming-uniform initialisation
/// and, per training forward, PEFT's module dropout (skip the whole adapter) and rank dropout (drop output rows of ΔW).
/// </summary>
internal sealed class LyCORISRandom<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Random _init;
    private readonly Random _dropout;
    private readonly double _rankDropout;
    private readonly double _moduleDropout;
    private readonly bool _scaleRows;
    private readonly T[] _rowMask;

    /// <param name="options">Seed and dropout probabilities.</param>
    /// <param name="outFeatures">The rows of ΔW.</param>
    /// <param name="scaleRows">Divide the row mask by its mean (LoHa always; LoKr with <c>rank_dropout_scale</c>).</param>
    public LyCORISRandom(LyCORISOptions options, int outFeatures, bool scaleRows)
    {
        _init = new Random(options.Seed);
        _dropout = new Random(unchecked(options.Seed * 7919 + 1));
        _rankDropout = options.RankDropout;
        _moduleDropout = options.ModuleDropout;
        _scaleRows = scaleRows;
        _rowMask = new T[outFeatures];
    }

    /// <summary>Whether the latest <see cref="Draw"/> skipped the adapter (module dropout).</summary>
    public bool Skipped { get; private set; }

    /// <summary>The row mask of the latest <see cref="Draw"/>, <c>[out]</c>; empty when no rows were dropped.</summary>
    public ReadOnlySpan<T> RowMask => RowsDropped ? _rowMask : ReadOnlySpan<T>.Empty;

    private bool RowsDropped { get; set; }

    /// <summary>
    /// PyTorch's <c>kaiming_uniform_(a=√5)</c> on a matrix whose rows have <paramref name="fanIn"/> columns:
    /// U(−b, b) with b = √(2/(1+a²))·√(3/fan_in) = 1/√fan_in.
    /// </summary>
    public void KaimingUniform(Span<T> values, int fanIn)
    {
        double bound = 1.0 / Math.Sqrt(fanIn);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateChecked((_init.NextDouble() * 2.0 - 1.0) * bound);
        }
    }

    /// <summary>
    /// The draws of one forward. In training (PEFT's order): the adapter runs unless <c>u ≤ module_dropout</c>; then each
    /// row o of ΔW is kept (<c>mask[o] = 1</c>) when <c>u &gt; rank_dropout</c>, else zeroed, and the mask is divided by
    /// its mean when scaling (all rows dropped leaves zeros, where PEFT would divide by zero). Evaluation draws nothing.
    /// </summary>
    public void Draw(bool training)
    {
        Skipped = training && _moduleDropout > 0 && _dropout.NextDouble() <= _moduleDropout;
        RowsDropped = training && !Skipped && _rankDropout > 0;
        if (!RowsDropped)
        {
            return;
        }

        int kept = 0;
        for (int o = 0; o < _rowMask.Length; o++)
        {
            bool keep = _dropout.NextDouble() > _rankDropout;
            _rowMask[o] = keep ? T.One : T.Zero;
            kept += keep ? 1 : 0;
        }

        if (_scaleRows && kept > 0)
        {
            // mask /= mean(mask) = kept / out.
            T factor = T.CreateChecked((double)_rowMask.Length / kept);
            for (int o = 0; o < _rowMask.Length; o++)
            {
                _rowMask[o] *= factor;
            }
        }
    }
}
