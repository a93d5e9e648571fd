namespace Peft.Tests.Layers;

public sealed class TrainingLoopTests
{
    [Fact]
    public void The_documented_loop_learns_a_small_classification_task()
    {
        // Three classes of 2-D points by angle sector; the loop of docs/training.md.
        const int batch = 48;
        var random = new Random(5);
        var x = new float[batch * 2];
        var targets = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            double angle = random.NextDouble() * 2 * Math.PI;
            x[2 * i] = (float)Math.Cos(angle);
            x[2 * i + 1] = (float)Math.Sin(angle);
            targets[i] = (int)(angle / (2 * Math.PI / 3));
        }

        var model = new Sequential(new Linear(2, 32, random: new Random(1)), new GELU(), new Linear(32, 3, random: new Random(2)));
        var optimizer = new AdamW(ParameterGroup.ForModule(model, learningRate: 0.05, weightDecay: 0.01));
        var warmup = new LinearScheduler(optimizer, steps: 10);
        var cosine = new CosineScheduler(optimizer, steps: 190, minFactor: 0.1);
        var scheduler = new SequentialScheduler(optimizer, [warmup, cosine], milestones: [10]);

        var input = Tensor<float>.Wrap(x, batch, 2);
        var dLogits = new Tensor<float>(batch, 3);
        double first = 0, last = 0;
        for (int step = 0; step < 200; step++)
        {
            var logits = model.Forward(input);
            double loss = SoftmaxCrossEntropy.Compute<float>(logits.Span, targets, dLogits.Span);
            first = step == 0 ? loss : first;
            last = loss;
            optimizer.ZeroGradients();
            model.Backward(dLogits, inputGradient: null);
            optimizer.ClipGradientNorm(1.0);
            optimizer.Step();
            scheduler.Step();
        }

        Assert.True(last < 0.2 * first, $"loss went from {first} to {last}");
    }
}
