using Peft.IO;

namespace Peft.Models.Tests;

/// <summary>Generation with the key/value cache gives the logits of a full recompute.</summary>
public sealed class LlamaGenerationTests
{
    [Fact]
    public void CachedStepsMatchAFullRecompute()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.LoadAdapter(Fixtures.TinyLlamaLoRA);
        model.Eval();
        List<int> ids = [1, 5, 9, 33];
        var cache = model.CreateCache(1, 16);
        var cached = model.Forward(Tensor<int>.Wrap([.. ids], 1, ids.Count), cache: cache).ToArray();
        for (int step = 0; step < 10; step++)
        {
            var full = model.Forward(Tensor<int>.Wrap([.. ids], 1, ids.Count)).ToArray();
            int rows = cached.Length / 256;
            var cachedLast = cached.AsSpan(cached.Length - 256);
            var fullLast = full.AsSpan(full.Length - 256);
            for (int v = 0; v < 256; v++)
            {
                Assert.True(Math.Abs(cachedLast[v] - fullLast[v]) <= 1e-5, $"step {step}, logit {v}: cached {cachedLast[v]} vs full {fullLast[v]} ({rows} rows)");
            }

            int next = TokenSampler.Greedy(fullLast);
            ids.Add(next);
            cached = model.Forward(Tensor<int>.Wrap([next], 1, 1), cache: cache).ToArray();
        }

        Assert.Equal(14, cache.Length);
    }

    [Fact]
    public void GenerateIsTheGreedyContinuationAndStopsAtAStopToken()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        int[] prompt = [1, 5, 9];
        var generated = model.Generate(prompt, new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [] });
        Assert.Equal(8, generated.Length);
        List<int> ids = [.. prompt];
        foreach (int token in generated)
        {
            var logits = model.Forward(Tensor<int>.Wrap([.. ids], 1, ids.Count));
            Assert.Equal(TokenSampler.Greedy(logits.Span[^256..]), token);
            ids.Add(token);
        }

        // Stopping at the third generated token includes it and ends there.
        var stopped = model.Generate(prompt, new GenerationOptions { MaxNewTokens = 8, StopTokenIds = [generated[2]] });
        Assert.Equal(generated[..(Array.IndexOf(generated, generated[2]) + 1)], stopped);
        Assert.Empty(model.Generate(prompt, new GenerationOptions { MaxNewTokens = 0 }));
    }

    [Fact]
    public void SampledGenerationIsReproducibleBySeed()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var options = new GenerationOptions { MaxNewTokens = 12, Temperature = 1.5, TopK = 50, TopP = 0.95, Seed = 11, StopTokenIds = [] };
        int[] prompt = [1, 5, 9];
        Assert.Equal(model.Generate(prompt, options), model.Generate(prompt, options));
        Assert.NotEqual(model.Generate(prompt, options), model.Generate(prompt, options with { Seed = 12 }));
    }
}

/// <summary>A padding mask: a left-padded row gives the logits of the same tokens unpadded.</summary>
public sealed class LlamaPaddingTests
{
    [Fact]
    public void LeftPaddedRowMatchesTheUnpaddedSequence()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var alone = model.Forward(Tensor<int>.Wrap([1, 5, 9], 1, 3)).ToArray();
        var mask = new AttentionMask(Tensor<int>.Wrap([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], 2, 5));
        var padded = model.Forward(Tensor<int>.Wrap([0, 0, 1, 5, 9, 1, 5, 9, 33, 200], 2, 5), mask).ToArray();
        for (int s = 0; s < 3; s++)
        {
            for (int v = 0; v < 256; v++)
            {
                Assert.True(Math.Abs(alone[s * 256 + v] - padded[(2 + s) * 256 + v]) <= 1e-5, $"position {s}, logit {v}");
                Assert.True(Math.Abs(alone[s * 256 + v] - padded[(5 + s) * 256 + v]) <= 1e-5, $"row 1, position {s}, logit {v}");
            }
        }
    }
}
