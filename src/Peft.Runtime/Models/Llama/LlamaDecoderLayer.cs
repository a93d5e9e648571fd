using System.Numerics;
using System.Numerics.Tensors;

namespace Peft.Models;

/// <summary>
/// transformers' <c>LlamaDecoderLayer</c> (pre-norm):
/// <c>h = x + self_attn(input_layernorm(x))</c>, <c>y = h + mlp(post_attention_layernorm(h))</c>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class LlamaDecoderLayer<T> : Module
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Tensor<T> _hidden = new(0);
    private readonly Tensor<T> _output = new(0);
    private readonly Tensor<T> _hiddenGradient = new(0);
    private readonly Tensor<T> _normGradient = new(0);
    private readonly Tensor<T> _inputGradient = new(0);

    /// <summary>Creates layer <paramref name="layerIndex"/>.</summary>
    public LlamaDecoderLayer(LlamaConfig config, RotaryEmbedding rope, int layerIndex, Random random)
    {
        ArgumentNullException.ThrowIfNull(config);
        InputLayerNorm = RegisterModule("input_layernorm", new RMSNorm<T>(config.HiddenSize, config.RmsNormEps));
        SelfAttention = RegisterModule("self_attn", new LlamaAttention<T>(config, rope, layerIndex, random));
        PostAttentionLayerNorm = RegisterModule("post_attention_layernorm", new RMSNorm<T>(config.HiddenSize, config.RmsNormEps));
        Mlp = RegisterModule("mlp", new LlamaMLP<T>(config, random));
    }

    /// <summary><c>input_layernorm</c>.</summary>
    [ModuleName("input_layernorm")]
    public RMSNorm<T> InputLayerNorm { get; }

    /// <summary><c>self_attn</c>.</summary>
    [ModuleName("self_attn")]
    public LlamaAttention<T> SelfAttention { get; }

    /// <summary><c>post_attention_layernorm</c>.</summary>
    [ModuleName("post_attention_layernorm")]
    public RMSNorm<T> PostAttentionLayerNorm { get; }

    /// <summary><c>mlp</c>.</summary>
    [ModuleName("mlp")]
    public LlamaMLP<T> Mlp { get; }

    /// <summary>The layer's output <c>[B, S, hidden]</c>, owned by the layer; <paramref name="input"/> must stay unchanged until <see cref="Backward"/>.</summary>
    public Tensor<T> Forward(Tensor<T> input, AttentionMask? mask, KeyValueCache<T>? cache)
    {
        // h = x + attn(norm1(x))
        var attention = SelfAttention.Forward(InputLayerNorm.Forward(input), mask, cache);
        _hidden.Reshape(input.Shape);
        TensorPrimitives.Add(input.Span, attention.Span, _hidden.Span);

        // y = h + mlp(norm2(h))
        var mlp = Mlp.Forward(PostAttentionLayerNorm.Forward(_hidden));
        _output.Reshape(input.Shape);
        TensorPrimitives.Add(_hidden.Span, mlp.Span, _output.Span);
        return _output;
    }

    /// <summary>Accumulates the parameter gradients and returns <c>dL/dx</c> in a buffer the layer owns.</summary>
    public Tensor<T> Backward(Tensor<T> outputGradient)
    {
        // dh = dy + norm2ᵀ(mlpᵀ(dy))
        _normGradient.ZeroLike(outputGradient);
        Mlp.Backward(outputGradient, _normGradient);
        _hiddenGradient.Reshape(outputGradient.Shape);
        outputGradient.Span.CopyTo(_hiddenGradient.Span);
        PostAttentionLayerNorm.Backward(_normGradient, _hiddenGradient);

        // dx = dh + norm1ᵀ(attnᵀ(dh))
        _normGradient.Clear();
        SelfAttention.Backward(_hiddenGradient, _normGradient);
        _inputGradient.Reshape(outputGradient.Shape);
        _hiddenGradient.Span.CopyTo(_inputGradient.Span);
        InputLayerNorm.Backward(_normGradient, _inputGradient);
        return _inputGradient;
    }
}
