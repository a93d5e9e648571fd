using Peft.Tests.Testing;
using Peft.Training;

namespace Peft.Models.Tests;

/// <summary>
/// <see cref="CausalLMObjective{T}"/>: its loss is <see cref="CausalLMLoss{T}"/> over the model's logits, and its
/// backward pass is the gradient of that loss times the accumulation scale (finite differences in double, and the
/// library's own path on the transformers fixture in float).
/// </summary>
public sealed class CausalLMObjectiveTests
{
    [Fact]
    public void AdapterGradientsOfTheScaledLossMatchFiniteDifferences()
    {
        var model = new LlamaForCausalLM<double>(new LlamaConfig
        {
            HiddenSize = 8, IntermediateSize = 12, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 4,
            VocabSize = 11, MaxPositionEmbeddings = 16, RmsNormEps = 1e-5,
        }, seed: 5);
        model.Apply(new AdapterConfig { TargetModules = ["q_proj", "v_proj"], Options = new LoRAOptions { Rank = 2, Alpha = 4 } });
        var random = new Random(3);
        foreach (var (_, b) in model.NamedParameters<double>().Where(p => p.Value.Role == ParameterRole.LoRAB))
        {
            // Non-zero B so that A's gradient is not zero.
            for (int i = 0; i < b.Value.Length; i++)
            {
                b.Value[i] = random.NextDouble() - 0.5;
            }
        }

        // 14 tokens in blocks of 6: two full blocks and a padded one (labels −100 after its first two tokens).
        var data = TextDataset.Pack([.. Enumerable.Range(0, 14).Select(_ => random.Next(11))], blockLength: 6);
        var batch = new Batch();
        data.FillBatch([2, 0, 1], batch);
        var objective = new CausalLMObjective<double>(model);

        model.ZeroGradients();
        var loss = objective.Forward(batch, training: true);
        Assert.Equal(5 + 5 + 1, loss.Count); // position s predicts label s + 1: five per full block, one in the padded
        Assert.Equal(-1, loss.Correct);
        objective.Backward(0.25f);

        var adapters = model.NamedParameters<double>().Where(p => p.Value.Trainable).ToList();
        Assert.Equal(8, adapters.Count);
        foreach (var (path, parameter) in adapters)
        {
            FiniteDifference.CheckInPlace(parameter.Value, () => 0.25 * objective.Forward(batch, training: false).Loss, parameter.Gradient, path);
        }
    }

    [Fact]
    public void OnTheTransformersFixtureItIsTheLibraryLossAndBackward()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.Apply(new AdapterConfig { TargetModules = ["q_proj", "v_proj", "down_proj"], Options = new LoRAOptions { Rank = 4, Alpha = 8 } });
        var random = new Random(2);
        foreach (var (_, b) in model.NamedParameters<float>().Where(p => p.Value.Role == ParameterRole.LoRAB))
        {
            // Non-zero B (as the PEFT fixture's) so that every adapter gradient is non-zero.
            for (int i = 0; i < b.Value.Length; i++)
            {
                b.Value[i] = (float)(random.NextDouble() - 0.5) * 0.1f;
            }
        }

        model.Train();
        var data = TextDataset.Pack([.. Enumerable.Range(0, 40).Select(i => (i * 37 + 11) % 256)], blockLength: 10);
        var batch = new Batch();
        data.FillBatch([3, 1], batch);

        // The library's path: CausalLMLoss over the logits, its gradient back through the model.
        var reference = new CausalLMLoss<float>();
        model.ZeroGradients();
        double expectedLoss = reference.Forward(model.Forward(batch.Tokens), batch.Labels);
        model.Backward(reference.Backward());
        var trainable = model.NamedParameters<float>().Where(p => p.Value.Trainable).ToList();
        Assert.Equal(12, trainable.Count);
        var expected = trainable.Select(p => p.Value.Gradient.ToArray()).ToList();
        Assert.InRange(expectedLoss, 4.0, 7.0); // a random 256-token model: about ln 256 = 5.5

        var objective = new CausalLMObjective<float>(model);
        foreach (float scale in new[] { 1f, 0.5f })
        {
            model.ZeroGradients();
            var loss = objective.Forward(batch, training: true);
            objective.Backward(scale);
            Assert.Equal(expectedLoss, loss.Loss);
            Assert.Equal(2 * 9, loss.Count);
            for (int i = 0; i < trainable.Count; i++)
            {
                // Scaling by a power of two is exact through every linear step of the backward pass.
                Assert.Equal(expected[i].Select(g => g * scale).ToArray(), trainable[i].Value.Gradient.ToArray());
            }
        }
    }

    [Fact]
    public void BatchesWithoutTokensAndBackwardWithoutForwardAreErrors()
    {
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        var objective = new CausalLMObjective<float>(model);
        var features = new ArrayDataset(new float[8], 4);
        var batch = new Batch();
        features.FillBatch([0, 1], batch);
        Assert.Contains("TextDataset", Assert.Throws<InvalidOperationException>(() => objective.Forward(batch, training: true)).Message);
        Assert.Contains("preceding training Forward", Assert.Throws<InvalidOperationException>(() => objective.Backward(1f)).Message);
    }

    [Fact]
    public void TrainerStepsOverTextAllocateNothingOnceWarm()
    {
        // Batch copy, forward, CausalLMLoss, backward, clipping, AdamW, schedule: nothing allocated after the first steps
        // (the last batch of an epoch is smaller, so the batch size divides the blocks).
        var model = LlamaForCausalLM.FromPretrained(Fixtures.TinyLlama);
        model.Apply(new AdapterConfig { TargetModules = ["q_proj", "v_proj"], Options = new LoRAPlusOptions { Rank = 4, Alpha = 8 } });
        var data = TextDataset.Pack([.. Enumerable.Range(0, 96).Select(i => (i * 37 + 11) % 256)], blockLength: 12);
        var trainer = new Trainer(model, new CausalLMObjective<float>(model), data,
            new TrainerOptions { BatchSize = 2, MaxSteps = 20, LearningRate = 1e-3, WarmupSteps = 2, MaxGradientNorm = 1.0 });
        Assert.True(trainer.UsesLoRAPlusGroups);
        for (int i = 0; i < 4; i++)
        {
            trainer.TrainStep();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 8; i++)
        {
            trainer.TrainStep();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
