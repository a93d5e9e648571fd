using Peft.Training;
using static Peft.Tests.Training.TrainingFixtures;

namespace Peft.Tests.Adapters;

/// <summary>ReMoRA's learning-rate re-warm-up after each restart (the official callback's scheduler reset), and its schedule.</summary>
public sealed class ReMoRAScheduleTests
{
    [Fact]
    public void TheRestartScheduleWarmsUpToThePeakThenAnnealsToItsFloor()
    {
        var optimizer = new Sgd(new Linear(2, 1), learningRate: 2.0);
        var schedule = new RestartScheduler(optimizer, peak: 0.5, warmupSteps: 4, steps: 10, minFactor: 0.2);
        Assert.Equal(0.5 * 1 / 4, schedule.Factor(0), 12); // the first step after the restart already moves
        Assert.Equal(0.5 * 3 / 4, schedule.Factor(2), 12);
        Assert.Equal(0.5, schedule.Factor(3), 12);          // the warm-up's last step reaches the peak
        Assert.Equal(0.5 * (0.2 + 0.8 * (1 + Math.Cos(Math.PI / 6)) / 2), schedule.Factor(4), 12); // u = 1 of C = 6
        Assert.Equal(0.5 * 0.2, schedule.Factor(9), 12);    // the floor at the end, a fraction of the peak
        Assert.Equal(0.5 * 0.2, schedule.Factor(50), 12);
        Assert.Equal(2.0 * 0.5 / 4, optimizer.Groups[0].LearningRate, 12); // step 0 applied at construction
        Assert.Throws<ArgumentOutOfRangeException>(() => new RestartScheduler(optimizer, 0.5, 0, 10, 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RestartScheduler(optimizer, 0.5, 4, 3, 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RestartScheduler(optimizer, double.NaN, 4, 10, 0.2));
    }

    [Fact]
    public void AfterEachRestartTheTrainersRateWarmsUpAgainFromWhereItWas()
    {
        var (rates, trainer) = Train(new ReMoRAOptions { MergeEvery = 8, RestartWarmupSteps = 4 });
        var (plain, _) = Train(null);
        Assert.Equal([8, 16], trainer.ScheduleRestarts);

        // Steps 1–8 follow the run's own schedule; step 8's restart takes the rate step 9 would have had as the peak.
        Assert.Equal(plain.Take(8), rates.Take(8));
        double peak = plain[8];
        Assert.Equal(peak / 4, rates[8], 12);
        Assert.Equal(peak, rates[11], 12);
        Assert.True(rates[12] < rates[11] && rates[15] < rates[12], "after the warm-up the rate anneals again");
        // The second restart (after step 16) warms up towards the rate its schedule had reached for step 17.
        // (factors scale with the peak, so the first restart's schedule is evaluated on absolute rates)
        double secondPeak = new RestartScheduler(new Sgd(new Linear(2, 1), 1.0), peak, 4, 12, 0.1).Factor(8);
        Assert.Equal(secondPeak / 4, rates[16], 12);
        Assert.Equal(secondPeak, rates[19], 12);
    }

    [Fact]
    public void WithoutRestartWarmupTheScheduleIsUnchanged()
    {
        var (rates, trainer) = Train(new ReMoRAOptions { MergeEvery = 8, RestartWarmupSteps = 0 });
        var (plain, _) = Train(null);
        Assert.Empty(trainer.ScheduleRestarts);
        Assert.Equal(plain, rates);
        Assert.Contains("RestartWarmupSteps must be non-negative",
            Assert.Throws<ArgumentException>(() => new ReMoRA(MoRAModel(), new ReMoRAOptions { RestartWarmupSteps = -1 })).Message);
    }

    [Fact]
    public void ACheckpointWrittenAfterAScheduleRestartIsNotResumable()
    {
        string directory = Path.Combine(Path.GetTempPath(), "peft-remora-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = Options() with { CheckpointDirectory = directory, CheckpointEvery = 10 };
            var model = MoRAModel();
            var trainer = Trainer.ForLayer(model, Blobs(64, 1), options);
            trainer.Callbacks.Add(new ReMoRA(model, new ReMoRAOptions { MergeEvery = 8 }));
            trainer.Fit();

            var fresh = Trainer.ForLayer(MoRAModel(), Blobs(64, 1), options);
            string latest = TrainerCheckpoint.FindLatest(directory)!;
            var error = Assert.Throws<InvalidDataException>(() => fresh.LoadCheckpoint(latest));
            Assert.Contains("restarted_after", error.Message);
            Assert.Contains("ReMoRA", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static TrainerOptions Options() => new() { BatchSize = 16, MaxSteps = 20, LearningRate = 1e-2, WarmupSteps = 2, MinLearningRateFactor = 0.1 };

    private static Sequential MoRAModel()
    {
        var model = Mlp();
        model.Apply(new AdapterConfig { Options = new MoRAOptions { Rank = 2 }, TargetModules = ["0", "2"] });
        return model;
    }

    // The learning rate of each step of a 20-step run, with ReMoRA as a callback when options are given.
    private static (List<double> Rates, Trainer Trainer) Train(ReMoRAOptions? remora)
    {
        var model = MoRAModel();
        var trainer = Trainer.ForLayer(model, Blobs(64, 1), Options());
        var rates = new List<double>();
        if (remora is not null)
        {
            trainer.Callbacks.Add(new ReMoRA(model, remora));
        }

        trainer.Callbacks.Add(new RateRecorder(rates));
        trainer.Fit();
        return (rates, trainer);
    }

    private sealed class RateRecorder(List<double> rates) : ITrainerCallback
    {
        public void OnStep(in StepMetrics metrics) => rates.Add(metrics.LearningRate);
    }
}
