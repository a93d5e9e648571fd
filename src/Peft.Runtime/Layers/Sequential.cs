using System.Numerics;

namespace Peft;

/// <summary>
/// Layers applied one after another, as PyTorch's <c>nn.Sequential</c>: children are named
/// <c>"0"</c>, <c>"1"</c>, … so parameter paths read <c>0.weight</c>, <c>2.bias</c>. Forward keeps
/// every intermediate activation in buffers owned by the container (grown only when the batch
/// grows), which <see cref="Backward"/> then uses: call it after the <see cref="Forward"/> of the
/// same input. Steady-state steps allocate nothing.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class Sequential<T> : Module, ILayer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly ILayer<T>[] _layers;
    private readonly int[] _widths;            // _widths[i] = input width of layer i; last = output width
    private readonly T[][] _activations;       // _activations[i] = output of layer i (input of i+1), i < n−1
    private T[] _gradient = [];
    private T[] _nextGradient = [];
    private int _forwardBatch = -1;

    /// <summary>Chains <paramref name="layers"/>; each must be a <see cref="Module"/> implementing <see cref="ILayer{T}"/>.</summary>
    /// <exception cref="ArgumentException">There is no layer, or one is null or not an <see cref="ILayer{T}"/> module.</exception>
    public Sequential(params Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0)
        {
            throw new ArgumentException("Sequential needs at least one layer.", nameof(layers));
        }

        _layers = new ILayer<T>[layers.Length];
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is not ILayer<T> layer)
            {
                throw new ArgumentException(
                    $"Sequential: layer {i} ({layers[i]?.GetType().Name ?? "null"}) is not an ILayer<{typeof(T).Name}>.", nameof(layers));
            }

            _layers[i] = layer;
            RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
        }

        _widths = new int[layers.Length + 1];
        _activations = new T[layers.Length - 1][];
        Array.Fill(_activations, []);
    }

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Length;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public ILayer<T> this[int index] => _layers[index];

    /// <inheritdoc />
    public int GetOutputFeatures(int inputFeatures)
    {
        foreach (var layer in _layers)
        {
            inputFeatures = layer.GetOutputFeatures(inputFeatures);
        }

        return inputFeatures;
    }

    /// <summary>
    /// Runs every layer on <paramref name="batch"/> rows (the input width is
    /// <c>input.Length / batch</c>) and writes the last layer's output.
    /// </summary>
    /// <exception cref="ArgumentException">A width does not fit a layer; the message names the layer.</exception>
    public void Forward(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        ResolveWidths(input.Length, output.Length, batch, "output");
        ReadOnlySpan<T> x = input;
        for (int i = 0; i < _layers.Length; i++)
        {
            Span<T> y = i == _layers.Length - 1 ? output : Activation(i, batch);
            _layers[i].Forward(x, y, batch);
            x = y;
        }

        _forwardBatch = batch;
    }

    /// <summary>
    /// Back-propagates through every layer in reverse using the activations of the last
    /// <see cref="Forward"/> (which must have run on <paramref name="input"/> with this batch),
    /// accumulating parameter gradients; writes <c>dL/dX</c> unless <paramref name="inputGradient"/> is empty.
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass with this batch size preceded it.</exception>
    /// <exception cref="ArgumentException">A length does not fit.</exception>
    public void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch)
    {
        if (batch != _forwardBatch)
        {
            throw new InvalidOperationException(
                $"Sequential: Backward for batch {batch} needs a preceding Forward with that batch (last forward batch: {_forwardBatch}).");
        }

        ResolveWidths(input.Length, outputGradient.Length, batch, "output gradient");
        if (!inputGradient.IsEmpty && inputGradient.Length != input.Length)
        {
            throw new ArgumentException($"Sequential: input gradient has {inputGradient.Length} elements, expected {input.Length}.", nameof(inputGradient));
        }

        ReadOnlySpan<T> dy = outputGradient;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            ReadOnlySpan<T> x = i == 0 ? input : _activations[i - 1].AsSpan(0, batch * _widths[i]);
            Span<T> dx = i == 0 ? inputGradient : GradientBuffer(ref _gradient, batch * _widths[i]);
            _layers[i].Backward(x, dy, dx, batch);
            dy = dx;
            (_gradient, _nextGradient) = (_nextGradient, _gradient);
        }
    }

    private void ResolveWidths(int inputLength, int outputLength, int batch, string outputName)
    {
        if (batch <= 0 || inputLength % batch != 0)
        {
            throw new ArgumentException($"Sequential: input of {inputLength} elements does not form {batch} rows (batch must be positive).", nameof(batch));
        }

        _widths[0] = inputLength / batch;
        for (int i = 0; i < _layers.Length; i++)
        {
            try
            {
                _widths[i + 1] = _layers[i].GetOutputFeatures(_widths[i]);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Sequential layer '{i}': {e.Message}", e);
            }
        }

        int outputWidth = _widths[_layers.Length];
        if ((long)batch * outputWidth != outputLength)
        {
            throw new ArgumentException(
                $"Sequential: {outputName} has {outputLength} elements, expected batch {batch} × {outputWidth} = {(long)batch * outputWidth}.");
        }
    }

    private Span<T> Activation(int layer, int batch)
    {
        int length = batch * _widths[layer + 1];
        if (_activations[layer].Length < length)
        {
            _activations[layer] = new T[length];
        }

        return _activations[layer].AsSpan(0, length);
    }

    private static Span<T> GradientBuffer(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }

        return buffer.AsSpan(0, length);
    }
}

/// <summary>A single-precision <see cref="Sequential{T}"/>.</summary>
public sealed class Sequential(params Module[] layers) : Sequential<float>(layers)
{
}
