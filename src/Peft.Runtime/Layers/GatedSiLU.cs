using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Peft;

/// <summary>
/// The gate of a SwiGLU MLP (transformers' <c>act_fn(gate_proj(x)) * up_proj(x)</c> with SiLU):
/// <c>y = silu(g) ⊙ u</c>, <c>silu(g) = g·σ(g)</c>. No parameters.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class GatedSiLU<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _sigmoid = new(0);
    private Tensor<T>? _gate;
    private Tensor<T>? _up;

    /// <summary>
    /// Computes <c>silu(gate) ⊙ up</c> into a tensor the module owns; both inputs are remembered for
    /// <see cref="Backward"/> and must stay unchanged until then.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Tensor<T> Forward(Tensor<T> gate, Tensor<T> up)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(up);
        if (!gate.Shape.SequenceEqual(up.Shape))
        {
            throw new ArgumentException($"GatedSiLU: gate is {gate.ShapeText()} and up is {up.ShapeText()}; they must have the same shape.", nameof(up));
        }

        _output.Reshape(gate.Shape);
        _sigmoid.Reshape(gate.Shape);
        // σ(g) is kept for the backward pass; y = (g·σ(g))·u.
        TensorPrimitives.Sigmoid(gate.Span, _sigmoid.Span);
        TensorPrimitives.Multiply(gate.Span, _sigmoid.Span, _output.Span);
        TensorPrimitives.Multiply(_output.Span, up.Span, _output.Span);
        _gate = gate;
        _up = up;
        return _output;
    }

    /// <summary>
    /// Adds <c>dU += dY ⊙ silu(g)</c> and <c>dG += dY ⊙ u ⊙ σ(g)·(1 + g·(1 − σ(g)))</c>; a
    /// <see langword="null"/> gradient is skipped.
    /// </summary>
    /// <exception cref="InvalidOperationException">No forward pass preceded it, or an input changed shape since.</exception>
    /// <exception cref="ArgumentException">A gradient is not shaped as the forward output.</exception>
    public void Backward(Tensor<T> outputGradient, Tensor<T>? gateGradient, Tensor<T>? upGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_gate is null || _up is null)
        {
            throw new InvalidOperationException("GatedSiLU: Backward needs a preceding Forward.");
        }

        var shape = _sigmoid.Shape;
        if (!_gate.Shape.SequenceEqual(shape) || !_up.Shape.SequenceEqual(shape))
        {
            throw new InvalidOperationException(
                $"GatedSiLU: its inputs changed shape from {_sigmoid.ShapeText()} to {_gate.ShapeText()} / {_up.ShapeText()} between Forward and Backward.");
        }

        Check(outputGradient, shape, "output gradient");
        Check(gateGradient, shape, "gate gradient");
        Check(upGradient, shape, "up gradient");
        var dy = outputGradient.Span;
        var g = _gate.Span;
        var u = _up.Span;
        var s = _sigmoid.Span;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var vdy = MemoryMarshal.Cast<T, Vector<T>>(dy);
            var vg = MemoryMarshal.Cast<T, Vector<T>>(g);
            var vu = MemoryMarshal.Cast<T, Vector<T>>(u);
            var vs = MemoryMarshal.Cast<T, Vector<T>>(s);
            var vdg = gateGradient is null ? default : MemoryMarshal.Cast<T, Vector<T>>(gateGradient.Span);
            var vdu = upGradient is null ? default : MemoryMarshal.Cast<T, Vector<T>>(upGradient.Span);
            for (int v = 0; v < vdy.Length; v++)
            {
                var silu = vg[v] * vs[v];
                if (upGradient is not null)
                {
                    vdu[v] += vdy[v] * silu;
                }

                if (gateGradient is not null)
                {
                    vdg[v] += vdy[v] * vu[v] * (vs[v] + silu - silu * vs[v]); // σ + g·σ·(1 − σ)
                }
            }

            i = vdy.Length * Vector<T>.Count;
        }

        for (; i < dy.Length; i++)
        {
            T silu = g[i] * s[i];
            if (upGradient is not null)
            {
                upGradient.Span[i] += dy[i] * silu;
            }

            if (gateGradient is not null)
            {
                gateGradient.Span[i] += dy[i] * u[i] * (s[i] + silu - silu * s[i]);
            }
        }
    }

    private static void Check(Tensor<T>? gradient, ReadOnlySpan<int> shape, string name)
    {
        if (gradient is not null && !gradient.Shape.SequenceEqual(shape))
        {
            throw new ArgumentException($"GatedSiLU: {name} is {gradient.ShapeText()}, the forward shape was {Tensor<T>.ShapeText(shape)}.", name);
        }
    }
}
