using System.Numerics;

namespace Peft.Models;

/// <summary>
/// transformers' <c>LlamaMLP</c>: <c>down_proj(silu(gate_proj(x)) ⊙ up_proj(x))</c>. Forward and backward; the
/// gradient buffers are owned and reused.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class LlamaMLP<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly GatedSiLU<T> _activation = new();
    private readonly Tensor<T> _activationGradient = new(0);
    private readonly Tensor<T> _gateGradient = new(0);
    private readonly Tensor<T> _upGradient = new(0);

    /// <summary>Creates the three projections (hidden → intermediate → hidden).</summary>
    public LlamaMLP(LlamaConfig config, Random random)
    {
        ArgumentNullException.ThrowIfNull(config);
        GateProj = RegisterModule("gate_proj", new Linear<T>(config.HiddenSize, config.IntermediateSize, config.MlpBias, random));
        UpProj = RegisterModule("up_proj", new Linear<T>(config.HiddenSize, config.IntermediateSize, config.MlpBias, random));
        DownProj = RegisterModule("down_proj", new Linear<T>(config.IntermediateSize, config.HiddenSize, config.MlpBias, random));
    }

    /// <summary><c>gate_proj</c>, hidden → intermediate.</summary>
    [ModuleName("gate_proj")]
    public Linear<T> GateProj { get; }

    /// <summary><c>up_proj</c>, hidden → intermediate.</summary>
    [ModuleName("up_proj")]
    public Linear<T> UpProj { get; }

    /// <summary><c>down_proj</c>, intermediate → hidden.</summary>
    [ModuleName("down_proj")]
    public Linear<T> DownProj { get; }

    /// <summary><c>y = down_proj(silu(gate_proj(x)) ⊙ up_proj(x))</c>, owned by <see cref="DownProj"/>.</summary>
    public Tensor<T> Forward(Tensor<T> input) =>
        DownProj.Forward(_activation.Forward(GateProj.Forward(input), UpProj.Forward(input)));

    /// <summary>Accumulates the parameter gradients and adds <c>dL/dx</c> into <paramref name="inputGradient"/>.</summary>
    public void Backward(Tensor<T> outputGradient, Tensor<T> inputGradient)
    {
        // d(act) = dY·W_down; d(gate), d(up) from the gated product; dx = d(gate)·W_gate + d(up)·W_up (added).
        _activationGradient.ReshapeLike(outputGradient, DownProj.InFeatures);
        _activationGradient.Clear();
        DownProj.Backward(outputGradient, _activationGradient);
        _gateGradient.ZeroLike(_activationGradient);
        _upGradient.ZeroLike(_activationGradient);
        _activation.Backward(_activationGradient, _gateGradient, _upGradient);
        GateProj.Backward(_gateGradient, inputGradient);
        UpProj.Backward(_upGradient, inputGradient);
    }
}
