using System.Numerics;

namespace Peft;

/// <summary>
/// Layers applied one after another, as PyTorch's <c>nn.Sequential</c>: children are named
/// <c>"0"</c>, <c>"1"</c>, … so parameter paths read <c>0.weight</c>, <c>2.bias</c>. Each layer keeps
/// what its backward pass needs, so <see cref="Layer{T}.Backward(Tensor{T}, Tensor{T})"/> runs them in
/// reverse with two gradient buffers owned by the container (grown only when the shapes grow): steady-state
/// steps allocate nothing.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public class Sequential<T> : Layer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly ILayer<T>[] _layers;
    private readonly Tensor<T>[] _inputs;      // _inputs[i] = the input layer i saw in the latest Forward
    private Tensor<T> _gradient = new(0);
    private Tensor<T> _nextGradient = new(0);

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

        _inputs = new Tensor<T>[layers.Length];
    }

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Length;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public ILayer<T> this[int index] => _layers[index];

    /// <summary>Runs every layer in order and returns the last layer's output.</summary>
    /// <exception cref="ArgumentException">A shape does not fit a layer; the message names the layer.</exception>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        var x = input;
        for (int i = 0; i < _layers.Length; i++)
        {
            _inputs[i] = x;
            try
            {
                x = _layers[i].Forward(x);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Sequential layer '{i}': {e.Message}", e);
            }
        }

        return x;
    }

    /// <summary>Back-propagates through every layer in reverse.</summary>
    protected override void BackwardCore(Tensor<T> input, Tensor<T> outputGradient, Tensor<T>? inputGradient)
    {
        var dy = outputGradient;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            Tensor<T>? dx = inputGradient;
            if (i > 0)
            {
                // The layer adds dL/dX, so its buffer starts at zero; dy's buffer is free again after this layer.
                dx = ReferenceEquals(dy, _gradient) ? _nextGradient : _gradient;
                dx.ZeroLike(_inputs[i]);
            }

            _layers[i].Backward(dy, dx);
            dy = dx!;
        }
    }
}

/// <summary>A single-precision <see cref="Sequential{T}"/>.</summary>
public sealed class Sequential(params Module[] layers) : Sequential<float>(layers)
{
}
