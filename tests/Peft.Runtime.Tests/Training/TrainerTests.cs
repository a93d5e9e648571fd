using System.Text.Json;
using Peft.Training;
using static Peft.Tests.Training.TrainingFixtures;

namespace Peft.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void Classifier_learns_blobs_and_reports_loss_and_accuracy()
    {
        var model = Mlp();
        var trainer = Trainer.ForLayer(model, Blobs(240, 1), new TrainerOptions { BatchSize = 16, Epochs = 8, LearningRate = 1e-2, WarmupSteps = 5 }, Blobs(90, 2));
        var before = trainer.Evaluate();
        var result = trainer.Fit();
        Assert.Equal(8 * 15, result.Steps);
        Assert.NotNull(result.LastEvaluation);
        Assert.True(result.LastEvaluation!.Value.Loss < before.Loss / 3, $"eval loss {before.Loss} -> {result.LastEvaluation.Value.Loss}");
        Assert.True(result.LastEvaluation.Value.Accuracy > 0.9, $"accuracy {result.LastEvaluation.Value.Accuracy}");
        Assert.False(trainer.UsesLoRAPlusGroups);
    }

    [Fact]
    public void Frozen_model_is_an_error_not_a_silent_no_op()
    {
        var model = Mlp();
        foreach (var (_, parameter) in model.NamedParameters())
        {
            parameter.Trainable = false;
        }

        var error = Assert.Throws<ArgumentException>(() => Trainer.ForLayer(model, Blobs(10, 1)));
        Assert.Contains("frozen", error.Message);
    }

    [Theory]
    [InlineData("BatchSize")]
    [InlineData("LearningRate")]
    [InlineData("MinLearningRateFactor")]
    public void Invalid_options_name_the_setting(string name)
    {
        var options = name switch
        {
            "BatchSize" => new TrainerOptions { BatchSize = 0 },
            "LearningRate" => new TrainerOptions { LearningRate = 0 },
            _ => new TrainerOptions { MinLearningRateFactor = 2 },
        };
        var error = Assert.Throws<ArgumentException>(() => Trainer.ForLayer(Mlp(), Blobs(10, 1), options));
        Assert.Contains("TrainerOptions." + name, error.Message);
    }

    [Fact]
    public void Gradient_accumulation_of_two_half_batches_equals_one_full_batch()
    {
        var data = Blobs(16, 3);
        var full = Mlp();
        var halves = Mlp();
        Trainer.ForLayer(full, data, new TrainerOptions { BatchSize = 16, MaxSteps = 1, Shuffle = false, MinLearningRateFactor = 1 }).TrainStep();
        Trainer.ForLayer(halves, data, new TrainerOptions { BatchSize = 8, GradientAccumulationSteps = 2, MaxSteps = 1, Shuffle = false, MinLearningRateFactor = 1 }).TrainStep();
        var a = Snapshot(full);
        var b = Snapshot(halves);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6f, $"element {i}: {a[i]} vs {b[i]}");
        }
    }

    [Fact]
    public void LoRAPlus_adapters_get_LoRAPlus_groups_and_the_schedule_keeps_the_ratio()
    {
        var model = AdaptedMlp(loraPlus: true);
        var trainer = Trainer.ForLayer(model, Blobs(32, 1), new TrainerOptions { BatchSize = 8, MaxSteps = 10, WarmupSteps = 4, LearningRate = 1e-3 });
        Assert.True(trainer.UsesLoRAPlusGroups);
        var groupA = trainer.Optimizer.Groups.Single(g => g.Name == "groupA");
        var groupB = trainer.Optimizer.Groups.Single(g => g.Name == "groupB");
        Assert.Equal(2, groupA.Parameters.Count);   // lora_A of both layers; the frozen base is in no group
        Assert.All(groupA.Parameters, p => Assert.Equal(ParameterRole.LoRAA, p.Role));
        Assert.All(groupB.Parameters, p => Assert.Equal(ParameterRole.LoRAB, p.Role));
        for (int step = 0; step < 10; step++)
        {
            // warm-up 0 → 1 over 4 steps, then cosine over 6: factor(t) = (1 + cos(π(t − 4)/6)) / 2
            double factor = step < 4 ? step / 4.0 : (1 + Math.Cos(Math.PI * (step - 4) / 6)) / 2;
            Assert.Equal(1e-3 * factor, groupA.LearningRate, 15);
            Assert.Equal(16 * groupA.LearningRate, groupB.LearningRate, 15);
            var metrics = trainer.TrainStep();
            Assert.Equal(1e-3 * factor, metrics.LearningRate, 15);
        }
    }

    [Fact]
    public void Plain_LoRA_uses_one_group_of_the_adapters()
    {
        var trainer = Trainer.ForLayer(AdaptedMlp(loraPlus: false), Blobs(32, 1), new TrainerOptions { BatchSize = 8, MaxSteps = 2 });
        Assert.False(trainer.UsesLoRAPlusGroups);
        Assert.Equal(4, trainer.TrainableParameters.Count);
        Assert.Equal(4, trainer.Optimizer.Groups.Single().Parameters.Count);
    }

    [Fact]
    public void Clipping_reports_the_norm_and_bounds_the_update_gradient()
    {
        var model = Mlp();
        var trainer = Trainer.ForLayer(model, Blobs(32, 1), new TrainerOptions { BatchSize = 32, MaxSteps = 1, MaxGradientNorm = 1e-3 });
        var metrics = trainer.TrainStep();
        Assert.True(metrics.GradientNorm > 1e-3, $"norm {metrics.GradientNorm}");
        double clipped = Math.Sqrt(trainer.Optimizer.GradientNorms().Sum(n => n * n));
        Assert.Equal(1e-3, clipped, 6);
        Assert.True(double.IsNaN(Trainer.ForLayer(Mlp(), Blobs(32, 1), new TrainerOptions { MaxSteps = 1 }).TrainStep().GradientNorm));
    }

    [Fact]
    public void Early_stopping_ends_the_run_after_patience_evaluations_without_improvement()
    {
        // A loss that never changes: the first evaluation improves on +inf, the next two do not.
        LossFunction constant = (output, batch, gradient) =>
        {
            gradient.Clear();
            return 1.0;
        };
        var trainer = Trainer.ForLayer(Mlp(), Blobs(32, 1), new TrainerOptions { BatchSize = 8, MaxSteps = 100, EvaluateEvery = 2, EarlyStoppingPatience = 2 }, Blobs(8, 2), constant);
        var result = trainer.Fit();
        Assert.True(result.StoppedEarly);
        Assert.Equal(6, result.Steps);
        Assert.Equal(2, result.BestEvaluation!.Value.Step);
        Assert.True(double.IsNaN(result.LastEvaluation!.Value.Accuracy));
    }

    [Fact]
    public void Callbacks_see_every_step_and_can_stop_the_run()
    {
        var trainer = Trainer.ForLayer(Mlp(), Blobs(32, 1), new TrainerOptions { BatchSize = 8, MaxSteps = 50 });
        var recorder = new StopAt(trainer, 7);
        trainer.Callbacks.Add(recorder);
        var result = trainer.Fit();
        Assert.True(result.StoppedEarly);
        Assert.Equal(7, result.Steps);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], recorder.Steps);
        Assert.True(recorder.Ended);
    }

    [Fact]
    public void Epochs_are_permutations_and_the_seed_fixes_the_order()
    {
        var first = new BatchSampler(10, seed: 5, shuffle: true);
        var second = new BatchSampler(10, seed: 5, shuffle: true);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var seen = new List<int>();
            while (seen.Count < 10)
            {
                var a = first.Next(4).ToArray();
                Assert.Equal(a, second.Next(4).ToArray());
                seen.AddRange(a);
            }

            Assert.Equal(Enumerable.Range(0, 10), seen.Order());
            Assert.Equal(epoch, first.Epoch);
        }

        Assert.NotEqual(Enumerable.Range(0, 10), first.Order.ToArray());
    }

    [Fact]
    public void Metrics_go_to_csv_and_json()
    {
        string directory = TemporaryDirectory();
        try
        {
            var trainer = Trainer.ForLayer(Mlp(), Blobs(32, 1), new TrainerOptions { BatchSize = 8, MaxSteps = 6, EvaluateEvery = 3, MetricsDirectory = directory }, Blobs(9, 2));
            trainer.Fit();
            var lines = File.ReadAllLines(Path.Combine(directory, MetricsLog.CsvFileName));
            Assert.Equal("step,epoch,loss,accuracy,learning_rate,gradient_norm,examples_per_second,eval_loss,eval_accuracy", lines[0]);
            Assert.Equal(7, lines.Length);
            Assert.Equal(9, lines[3].Split(',').Length);
            Assert.NotEqual("", lines[3].Split(',')[7]);   // step 3 evaluated
            Assert.Equal("", lines[2].Split(',')[7]);
            using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, MetricsLog.JsonFileName)));
            Assert.Equal(6, json.RootElement.GetProperty("steps").GetArrayLength());
            Assert.Equal(2, json.RootElement.GetProperty("evaluations").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("steps")[0].GetProperty("gradient_norm").ValueKind);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Steady_state_training_step_allocates_nothing()
    {
        var trainer = Trainer.ForLayer(AdaptedMlp(loraPlus: true), Blobs(40, 1),
            new TrainerOptions { BatchSize = 16, GradientAccumulationSteps = 2, MaxSteps = 30, WarmupSteps = 2, MaxGradientNorm = 1 });
        for (int i = 0; i < 5; i++)
        {
            trainer.TrainStep();   // includes the epoch's smaller last batch
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            trainer.TrainStep();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private sealed class StopAt(Trainer trainer, int step) : ITrainerCallback
    {
        public List<int> Steps { get; } = [];

        public bool Ended { get; private set; }

        public void OnStep(in StepMetrics metrics)
        {
            Steps.Add(metrics.Step);
            if (metrics.Step == step)
            {
                trainer.RequestStop();
            }
        }

        public void OnTrainEnd(TrainingResult result) => Ended = true;
    }
}
