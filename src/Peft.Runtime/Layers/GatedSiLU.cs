using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Peft.Kernels;

namespace Peft;

/// <summary>
/// The gate of a SwiGLU MLP (transformers' <c>act_fn(gate_proj(x)) * up_proj(x)</c> with SiLU):
/// <c>y = silu(g) ⊙ u</c>, <c>silu(g) = g·σ(g)</c>. No parameters. Large inputs are split over the worker pool.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class GatedSiLU<T> : Module, IParallelRows, IForwardInputs<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Elements per chunk of the parallel loops.</summary>
    private const int Chunk = 4096;
    private const int ForwardPass = 0, BackwardPass = 1;

    private readonly Tensor<T> _output = new(0);
    private Tensor<T>? _outputGradient, _gateGradient, _upGradient;
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
        _gate = gate;
        _up = up;
        ParallelRows.Run<T>(this, ForwardPass, Chunks(gate.Length), Chunk);
        return _output;
    }

    /// <summary>Input <paramref name="index"/> (0: gate, 1: up) of the latest <see cref="Forward"/>.</summary>
    /// <exception cref="InvalidOperationException">No forward pass has run yet.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not 0 or 1.</exception>
    public Tensor<T> ForwardInput(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 1);
        return (index == 0 ? _gate : _up) ?? throw new InvalidOperationException("GatedSiLU: no Forward has run yet.");
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
        (_outputGradient, _gateGradient, _upGradient) = (outputGradient, gateGradient, upGradient);
        if (gateGradient is not null || upGradient is not null)
        {
            ParallelRows.Run<T>(this, BackwardPass, Chunks(outputGradient.Length), Chunk);
        }

        (_outputGradient, _gateGradient, _upGradient) = (null, null, null);
    }

    void IParallelRows.RunRows(int pass, int participant, int start, int end)
    {
        int from = start * Chunk, count = Math.Min(end * Chunk, _sigmoid.Length) - from;
        var g = _gate!.Span.Slice(from, count);
        var u = _up!.Span.Slice(from, count);
        var s = _sigmoid.Span.Slice(from, count);
        if (pass == ForwardPass)
        {
            // σ(g) is kept for the backward pass; y = (g·σ(g))·u.
            var y = _output.Span.Slice(from, count);
            TensorPrimitives.Sigmoid(g, s);
            TensorPrimitives.Multiply(g, s, y);
            TensorPrimitives.Multiply(y, u, y);
            return;
        }

        var dy = _outputGradient!.Span.Slice(from, count);
        var dGate = _gateGradient is null ? default : _gateGradient.Span.Slice(from, count);
        var dUp = _upGradient is null ? default : _upGradient.Span.Slice(from, count);
        Differentiate(dy, g, u, s, dGate, dUp);
    }

    private static int Chunks(int length) => (length + Chunk - 1) / Chunk;

    // dU += dY ⊙ g·σ; dG += dY ⊙ u ⊙ (σ + g·σ·(1 − σ)); an empty span is skipped.
    private static void Differentiate(ReadOnlySpan<T> dy, ReadOnlySpan<T> g, ReadOnlySpan<T> u, ReadOnlySpan<T> s, Span<T> dGate, Span<T> dUp)
    {
        bool gateWanted = !dGate.IsEmpty, upWanted = !dUp.IsEmpty;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var vdy = MemoryMarshal.Cast<T, Vector<T>>(dy);
            var vg = MemoryMarshal.Cast<T, Vector<T>>(g);
            var vu = MemoryMarshal.Cast<T, Vector<T>>(u);
            var vs = MemoryMarshal.Cast<T, Vector<T>>(s);
            var vdg = MemoryMarshal.Cast<T, Vector<T>>(dGate);
            var vdu = MemoryMarshal.Cast<T, Vector<T>>(dUp);
            for (int v = 0; v < vdy.Length; v++)
            {
                var silu = vg[v] * vs[v];
                if (upWanted)
                {
                    vdu[v] += vdy[v] * silu;
                }

                if (gateWanted)
                {
                    vdg[v] += vdy[v] * vu[v] * (vs[v] + silu - silu * vs[v]);
                }
            }

            i = vdy.Length * Vector<T>.Count;
        }

        for (; i < dy.Length; i++)
        {
            T silu = g[i] * s[i];
            if (upWanted)
            {
                dUp[i] += dy[i] * silu;
            }

            if (gateWanted)
            {
                dGate[i] += dy[i] * u[i] * (s[i] + silu - silu * s[i]);
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
