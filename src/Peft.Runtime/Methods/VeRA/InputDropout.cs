using System.Numerics;
using System.Numerics.Tensors;

namespace Peft;

/// <summary>
/// Dropout on an adapter's input (<c>x̃ = x ⊙ mask</c>, mask ∈ {0, 1/(1−p)} drawn per element in training mode), keeping the
/// mask of the latest forward for the backward pass (<c>dX += mask ⊙ dX̃</c>). Buffers grow with the batch only.
/// </summary>
internal sealed class InputDropout<T>(double probability, int seed)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Random _random = new(seed);
    private T[] _mask = [];
    private T[] _dropped = [];
    private T[] _gradient = [];
    private bool _active;

    /// <summary><c>x̃</c>: a dropped-out copy in training with p &gt; 0 (the mask is kept), else <paramref name="input"/>.</summary>
    public ReadOnlySpan<T> Apply(ReadOnlySpan<T> input, int batch, int width, bool training)
    {
        _active = probability > 0 && training;
        if (!_active)
        {
            return input;
        }

        int n = batch * width;
        LoRAAdapter<T>.Grow(ref _mask, n);
        LoRAAdapter<T>.Grow(ref _dropped, n);
        T keep = T.One / (T.One - T.CreateChecked(probability));
        for (int i = 0; i < n; i++)
        {
            _mask[i] = _random.NextDouble() < probability ? T.Zero : keep;
        }

        TensorPrimitives.Multiply(input, _mask.AsSpan(0, n), _dropped.AsSpan(0, n));
        return _dropped.AsSpan(0, n);
    }

    /// <summary>The <c>x̃</c> of the latest forward.</summary>
    public ReadOnlySpan<T> LastInput(ReadOnlySpan<T> input, int batch, int width) => _active ? _dropped.AsSpan(0, batch * width) : input;

    /// <summary>Where the adapter writes <c>dX̃</c>: <paramref name="inputGradient"/> itself without dropout, else a cleared scratch.</summary>
    public Span<T> InputGradient(Span<T> inputGradient, int batch, int width)
    {
        if (!_active || inputGradient.IsEmpty)
        {
            return inputGradient;
        }

        LoRAAdapter<T>.Grow(ref _gradient, batch * width);
        var scratch = _gradient.AsSpan(0, batch * width);
        scratch.Clear();
        return scratch;
    }

    /// <summary><c>dX += mask ⊙ dX̃</c> when dropout was active (else <paramref name="dx"/> already is <paramref name="inputGradient"/>).</summary>
    public void AddInputGradient(ReadOnlySpan<T> dx, Span<T> inputGradient, int batch, int width)
    {
        if (_active && !inputGradient.IsEmpty)
        {
            TensorPrimitives.MultiplyAdd(dx, _mask.AsSpan(0, batch * width), inputGradient, inputGradient);
        }
    }
}
