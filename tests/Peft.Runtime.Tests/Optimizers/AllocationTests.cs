namespace Peft.Tests.Optimizers;

public sealed class AllocationTests
{
    [Fact]
    public void Steady_state_training_updates_allocate_nothing()
    {
        var a = new Parameter<float>("lora_A", [8, 100], ParameterRole.LoRAA);
        var b = new Parameter<float>("lora_B", [100, 8], ParameterRole.LoRAB);
        var bias = new Parameter<double>("bias", [33], ParameterRole.Bias);
        a.Gradient.AsSpan().Fill(0.01f);
        b.Gradient.AsSpan().Fill(-0.02f);
        bias.Gradient.AsSpan().Fill(0.5);
        ParameterGroup[] Groups() => [new ParameterGroup("A", [a], 1e-3, 0.01), new ParameterGroup("B", [b, bias], 16e-3)];
        Optimizer[] optimizers = [new AdamW(Groups()), new Sgd(Groups(), momentum: 0.9), new Sgd(Groups(), momentum: 0.9, nesterov: true)];
        foreach (var optimizer in optimizers)
        {
            var scheduler = new SequentialScheduler(optimizer,
                [new LinearScheduler(optimizer, 3), new CosineScheduler(optimizer, 10, 0.1)], [3]);
            var norms = new double[2];

            void TrainingStep()
            {
                optimizer.GradientNorms(norms);
                optimizer.ClipGradientNorm(100.0);
                optimizer.Step();
                scheduler.Step();
            }

            TrainingStep(); // the first step allocates the optimizer state
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                TrainingStep();
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
