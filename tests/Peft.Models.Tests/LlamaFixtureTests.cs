using Peft.IO;

namespace Peft.Models.Tests;

/// <summary>The tiny Llama saved by transformers 5.17 with PEFT 0.21's LoRA adapter: our numbers against theirs.</summary>
public sealed class LlamaFixtureTests
{
    private static LlamaForCausalLM AdaptedModel()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.LoadAdapter(Fixtures.TinyLlamaLoRA);
        model.Eval();
        return model;
    }

    [Fact]
    public void LogitsWithTheAdapterMatchTransformers()
    {
        var reference = ReferenceFile.Load();
        var model = AdaptedModel();
        var logits = model.Forward(Tensor<int>.Wrap(reference.Ids, 1, reference.Ids.Length));
        Assert.Equal([1, 6, 256], logits.Shape.ToArray());
        var ours = logits.Span;
        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(ours[i] - reference.Logits[i]));
        }

        Assert.True(worst <= 2e-5, $"largest |ours − transformers| = {worst}");

        // The first greedy token after the prompt is transformers' argmax of the last position.
        var last = reference.Logits.AsSpan(5 * 256, 256);
        Assert.Equal(TokenSampler.Greedy(last), TokenSampler.Greedy(ours.Slice(5 * 256, 256)));
        Assert.Equal(TokenSampler.Greedy(last), model.Generate(reference.Ids, new GenerationOptions { MaxNewTokens = 1 })[0]);
    }

    [Fact]
    public void AdaptedQueryProjectionMatchesPeft()
    {
        var reference = ReferenceFile.Load();
        var model = AdaptedModel();
        var q = Assert.IsAssignableFrom<Linear<float>>(model.FindModule("model.layers.0.self_attn.q_proj"));
        Assert.Same(model.Model.Layers[0].SelfAttention.QProj, q);
        var y = q.Forward(Tensor<float>.Wrap(reference.Q0X, 3, 64));
        for (int i = 0; i < reference.Q0Y.Length; i++)
        {
            Assert.True(Math.Abs(y.Span[i] - reference.Q0Y[i]) <= 1e-5, $"q0_y[{i}]: {y.Span[i]} vs {reference.Q0Y[i]}");
        }
    }

    [Fact]
    public void WithoutTheAdapterTheLogitsDiffer()
    {
        // Guards the comparison above: the adapter's contribution is far above the tolerance.
        var reference = ReferenceFile.Load();
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var logits = model.Forward(Tensor<int>.Wrap(reference.Ids, 1, 6)).ToArray();
        Assert.True(logits.Zip(reference.Logits).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void ModulePathsAreTransformersNames()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        string[] names = [.. model.NamedParameters().Select(p => p.Key)];
        Assert.Equal("model.embed_tokens.weight", names[0]);
        Assert.Contains("model.layers.1.self_attn.k_proj.weight", names);
        Assert.Contains("model.layers.0.mlp.down_proj.weight", names);
        Assert.Contains("model.layers.0.post_attention_layernorm.weight", names);
        Assert.Equal(["model.norm.weight", "lm_head.weight"], names[^2..]);
        Assert.False(model.IsTraining);
    }
}
