namespace Peft.Models.Tests;

public sealed class TokenSamplerTests
{
    private static readonly float[] Logits = [0.5f, 2.0f, -1.0f, 2.0f, 1.0f, float.NegativeInfinity];

    [Fact]
    public void GreedyTakesTheFirstLargest()
    {
        Assert.Equal(1, TokenSampler.Greedy(Logits));
        Assert.Equal(1, new TokenSampler(new GenerationOptions()).Next(Logits));
        Assert.Equal(1, new TokenSampler(new GenerationOptions { Temperature = 0, TopK = 2 }).Next(Logits));
    }

    [Fact]
    public void TopKOneIsGreedyUpToTies()
    {
        var sampler = new TokenSampler(new GenerationOptions { TopK = 1, Seed = 3 });
        for (int i = 0; i < 50; i++)
        {
            Assert.Contains(sampler.Next([0.5f, 3.0f, -1.0f, 2.0f]), new[] { 1 });
        }
    }

    [Fact]
    public void SamplingFollowsTheSoftmaxOfLogitsOverTemperature()
    {
        // p ∝ exp(l / T): with T = 2, logits [0, 2 ln 3] give probabilities [1/4, 3/4].
        float[] logits = [0f, (float)(2 * Math.Log(3))];
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 2, Seed = 7 });
        int ones = 0;
        const int draws = 20000;
        for (int i = 0; i < draws; i++)
        {
            ones += sampler.Next(logits);
        }

        // Binomial standard deviation √(n p (1−p)) ≈ 61; 5σ.
        Assert.InRange(ones, 15000 - 310, 15000 + 310);
    }

    [Fact]
    public void TopKAndTopPRestrictTheCandidates()
    {
        // Probabilities ∝ [1, 2, 4, 8, 16]/31: top-k 2 keeps ids 4 and 3; top-p 0.5 keeps id 4 alone
        // (its 16/31 already reaches 0.5); top-p 0.6 keeps 4 and 3.
        float[] logits = [0, MathF.Log(2), MathF.Log(4), MathF.Log(8), MathF.Log(16)];
        var seen = new HashSet<int>();
        var topK = new TokenSampler(new GenerationOptions { TopK = 2, Seed = 1 });
        var nucleus = new TokenSampler(new GenerationOptions { TopP = 0.5, Seed = 1 });
        var wider = new HashSet<int>();
        var nucleus6 = new TokenSampler(new GenerationOptions { TopP = 0.6, Seed = 1 });
        for (int i = 0; i < 400; i++)
        {
            seen.Add(topK.Next(logits));
            Assert.Equal(4, nucleus.Next(logits));
            wider.Add(nucleus6.Next(logits));
        }

        Assert.Equal([3, 4], seen.Order());
        Assert.Equal([3, 4], wider.Order());
    }

    [Fact]
    public void TheSameSeedDrawsTheSameTokens()
    {
        float[] logits = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f];
        var options = new GenerationOptions { Temperature = 1.5, TopP = 0.9, Seed = 42 };
        var a = new TokenSampler(options);
        var b = new TokenSampler(options);
        var c = new TokenSampler(options with { Seed = 43 });
        int[] first = [.. Enumerable.Range(0, 64).Select(_ => a.Next(logits))];
        int[] second = [.. Enumerable.Range(0, 64).Select(_ => b.Next(logits))];
        int[] other = [.. Enumerable.Range(0, 64).Select(_ => c.Next(logits))];
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.True(first.Distinct().Count() > 2);
    }

    [Fact]
    public void SamplingNeverPicksAMaskedToken()
    {
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 100, Seed = 5 });
        for (int i = 0; i < 500; i++)
        {
            Assert.NotEqual(5, sampler.Next(Logits));
        }
    }

    [Fact]
    public void SteadyStateSamplingAllocatesNothing()
    {
        var sampler = new TokenSampler(new GenerationOptions { Temperature = 0.8, TopK = 4, TopP = 0.9, Seed = 2 });
        sampler.Next(Logits);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sampler.Next(Logits);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void NonFiniteLogitsAreNamed(float bad)
    {
        var error = Assert.Throws<ArgumentException>(() => TokenSampler.Greedy([0f, bad]));
        Assert.Contains("logit 1", error.Message);
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        Assert.Contains("TopP", Assert.Throws<ArgumentException>(() => new TokenSampler(new GenerationOptions { TopP = 0 })).Message);
        Assert.Contains("TopK", Assert.Throws<ArgumentException>(() => new TokenSampler(new GenerationOptions { TopK = 0 })).Message);
        Assert.Contains("Temperature", Assert.Throws<ArgumentException>(() => new TokenSampler(new GenerationOptions { Temperature = -1 })).Message);
        Assert.Contains("MaxNewTokens", Assert.Throws<ArgumentException>(() => new TokenSampler(new GenerationOptions { MaxNewTokens = -1 })).Message);
    }
}
