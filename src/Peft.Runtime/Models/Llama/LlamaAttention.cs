using System.Numerics;

namespace Peft.Models;

/// <summary>
/// transformers' <c>LlamaAttention</c>: <c>o_proj(attention(rope(q_proj(x)), rope(k_proj(x)), v_proj(x)))</c> with
/// grouped-query heads; the attention core is <see cref="CausalSelfAttention{T}"/>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class LlamaAttention<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly CausalSelfAttention<T> _core;
    private readonly Tensor<T> _attentionGradient = new(0);
    private readonly Tensor<T> _queryGradient = new(0);
    private readonly Tensor<T> _keyGradient = new(0);
    private readonly Tensor<T> _valueGradient = new(0);

    /// <summary>Creates the projections of layer <paramref name="layerIndex"/> around a shared rotary embedding.</summary>
    public LlamaAttention(LlamaConfig config, RotaryEmbedding rope, int layerIndex, Random random)
    {
        ArgumentNullException.ThrowIfNull(config);
        int queries = config.NumAttentionHeads * config.HeadDim;
        int keys = config.NumKeyValueHeads * config.HeadDim;
        QProj = RegisterModule("q_proj", new Linear<T>(config.HiddenSize, queries, config.QkvBias, random));
        KProj = RegisterModule("k_proj", new Linear<T>(config.HiddenSize, keys, config.QkvBias, random));
        VProj = RegisterModule("v_proj", new Linear<T>(config.HiddenSize, keys, config.QkvBias, random));
        OProj = RegisterModule("o_proj", new Linear<T>(queries, config.HiddenSize, config.OutputBias, random));
        _core = new CausalSelfAttention<T>(config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim, rope, layerIndex);
    }

    /// <summary><c>q_proj</c>, hidden → heads·head_dim.</summary>
    [ModuleName("q_proj")]
    public Linear<T> QProj { get; }

    /// <summary><c>k_proj</c>, hidden → kv_heads·head_dim.</summary>
    [ModuleName("k_proj")]
    public Linear<T> KProj { get; }

    /// <summary><c>v_proj</c>, hidden → kv_heads·head_dim.</summary>
    [ModuleName("v_proj")]
    public Linear<T> VProj { get; }

    /// <summary><c>o_proj</c>, heads·head_dim → hidden.</summary>
    [ModuleName("o_proj")]
    public Linear<T> OProj { get; }

    /// <summary>The attention core (prefix tuning sets its <see cref="CausalSelfAttention{T}.Prefix"/>).</summary>
    internal CausalSelfAttention<T> Core => _core;

    /// <summary>The attention output <c>[B, S, hidden]</c>, owned by <see cref="OProj"/>.</summary>
    public Tensor<T> Forward(Tensor<T> input, AttentionMask? mask, KeyValueCache<T>? cache) =>
        OProj.Forward(_core.Forward(QProj.Forward(input), KProj.Forward(input), VProj.Forward(input), mask, cache));

    /// <summary>Accumulates the parameter gradients and adds <c>dL/dx</c> into <paramref name="inputGradient"/>.</summary>
    public void Backward(Tensor<T> outputGradient, Tensor<T> inputGradient)
    {
        // dA = dY·W_o; dq, dk, dv through the core; dx = dq·W_q + dk·W_k + dv·W_v (each added).
        _attentionGradient.ReshapeLike(outputGradient, OProj.InFeatures);
        _attentionGradient.Clear();
        OProj.Backward(outputGradient, _attentionGradient);
        _queryGradient.ZeroLike(_attentionGradient);
        _keyGradient.ReshapeLike(outputGradient, KProj.OutFeatures);
        _keyGradient.Clear();
        _valueGradient.ZeroLike(_keyGradient);
        _core.Backward(_attentionGradient, _queryGradient, _keyGradient, _valueGradient);
        QProj.Backward(_queryGradient, inputGradient);
        KProj.Backward(_keyGradient, inputGradient);
        VProj.Backward(_valueGradient, inputGradient);
    }
}
