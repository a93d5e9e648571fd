namespace Peft.Tests.Optimizers;

public sealed class SchedulerTests
{
    [Fact]
    public void Constant_schedule_uses_its_factor_for_the_given_steps_then_one()
    {
        var (optimizer, a, _) = LoRAPlusGroups(16.0);
        var scheduler = new ConstantScheduler(optimizer, factor: 0.5, steps: 3);
        Assert.Equal([0.5, 0.5, 0.5, 1.0, 1.0], Factors(scheduler, 5));
        Assert.Equal(1e-3 * 0.5, a.LearningRate); // step 0 is applied by the constructor
        Assert.Equal(1.0, new ConstantScheduler(optimizer).Factor(7));
    }

    [Fact]
    public void Linear_warm_up_ramps_from_start_to_end_then_holds()
    {
        var (optimizer, _, _) = LoRAPlusGroups(16.0);
        // factor(t) = 0 + (1 − 0)·min(t, 4)/4
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0, 1.0], Factors(new LinearScheduler(optimizer, 4), 6));
        // A decay from 1 to 0.2 over 2 steps: 1, 0.6, 0.2, 0.2
        Assert.Equal([1.0, 0.6, 0.2, 0.2], Factors(new LinearScheduler(optimizer, 2, 1.0, 0.2), 4), new Tolerance(1e-15));
    }

    [Fact]
    public void Cosine_anneals_to_its_minimum_factor_and_stays_there()
    {
        var (optimizer, _, _) = LoRAPlusGroups(16.0);
        var cosine = new CosineScheduler(optimizer, 10, minFactor: 0.1);
        // factor(t) = 0.1 + 0.9·(1 + cos(π·t/10))/2
        Assert.Equal(1.0, cosine.Factor(0), 15);
        Assert.Equal(0.1 + 0.9 * (1 + Math.Cos(0.2 * Math.PI)) / 2, cosine.Factor(2), 15);
        Assert.Equal(0.55, cosine.Factor(5), 15);
        Assert.Equal(0.1, cosine.Factor(10), 15);
        Assert.Equal(0.1, cosine.Factor(25), 15);
    }

    [Fact]
    public void Sequential_restarts_each_schedule_at_its_milestone()
    {
        var (optimizer, _, _) = LoRAPlusGroups(16.0);
        var warmup = new LinearScheduler(optimizer, 3);
        var cosine = new CosineScheduler(optimizer, 10);
        var chain = new SequentialScheduler(optimizer, [warmup, cosine], [3]);
        Assert.Equal([0.0, 1 / 3.0, 2 / 3.0, 1.0], Factors(chain, 4), new Tolerance(1e-15));
        Assert.Equal(0.5, chain.Factor(8), 15);      // cosine's step 5
        Assert.Equal(0.0, chain.Factor(13), 15);     // cosine's step 10
        Assert.Throws<ArgumentException>(() => new SequentialScheduler(optimizer, [warmup, cosine], []));
        Assert.Throws<ArgumentException>(() => new SequentialScheduler(optimizer, [warmup, cosine, warmup], [4, 4]));
        var (other, _, _) = LoRAPlusGroups(16.0);
        Assert.Throws<ArgumentException>(() => new SequentialScheduler(other, [warmup, cosine], [3]));
    }

    [Theory]
    [InlineData(16.0)]
    [InlineData(3.0)]
    public void Every_schedule_keeps_the_LoRA_plus_ratio_between_groups(double ratio)
    {
        foreach (var make in Schedules())
        {
            var (optimizer, a, b) = LoRAPlusGroups(ratio);
            var scheduler = make(optimizer);
            for (int t = 0; t < 40; t++)
            {
                if (a.LearningRate > 0)
                {
                    // base_B = 16·base_A and 16 is a power of two, so the ratio is exact; 3 rounds.
                    double tolerance = ratio == 16.0 ? 0.0 : 1e-15;
                    Assert.True(Math.Abs(b.LearningRate / a.LearningRate - ratio) <= tolerance * ratio,
                        $"{scheduler.GetType().Name} step {t}: B/A = {b.LearningRate / a.LearningRate}");
                }
                else
                {
                    Assert.Equal(0.0, b.LearningRate);
                }

                optimizer.Step();
                scheduler.Step();
            }
        }
    }

    [Fact]
    public void The_optimizer_uses_the_scheduled_rate()
    {
        // SGD with g = 1 moves p by exactly the current learning rate: 0 at warm-up step 0, then 0.5·lr.
        var p = new Parameter<double>("w", [1], ParameterRole.Weight);
        p.Gradient[0] = 1.0;
        var optimizer = new Sgd([new ParameterGroup("g", [p], 0.1)]);
        var scheduler = new LinearScheduler(optimizer, 2);
        optimizer.Step();
        Assert.Equal(0.0, p.Value[0]);
        scheduler.Step();
        optimizer.Step();
        Assert.Equal(-0.05, p.Value[0], 15);
        Assert.Equal(1, scheduler.CurrentStep);
    }

    private static IEnumerable<Func<Optimizer, LearningRateScheduler>> Schedules() =>
    [
        o => new ConstantScheduler(o, 0.25, 5),
        o => new LinearScheduler(o, 7),
        o => new CosineScheduler(o, 30, 0.05),
        o => new SequentialScheduler(o, [new LinearScheduler(o, 5), new CosineScheduler(o, 20)], [5]),
    ];

    private static (Optimizer, ParameterGroup A, ParameterGroup B) LoRAPlusGroups(double ratio)
    {
        var a = new ParameterGroup("lora_A", [new Parameter<float>("lora_A", [2, 4], ParameterRole.LoRAA)], 1e-3);
        var b = new ParameterGroup("lora_B", [new Parameter<float>("lora_B", [4, 2], ParameterRole.LoRAB)], 1e-3 * ratio);
        return (new AdamW([a, b]), a, b);
    }

    private static double[] Factors(LearningRateScheduler scheduler, int count) =>
        Enumerable.Range(0, count).Select(scheduler.Factor).ToArray();

    private sealed class Tolerance(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double value) => 0;
    }
}
