using System.Text;
using Peft.Training;
using static Peft.Tests.Training.TrainingFixtures;

namespace Peft.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = TemporaryDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Shuffling with a partial last batch (N = 37, B = 8), accumulation, warm-up + cosine, clipping,
    // evaluation with early-stopping bookkeeping and LoRA+ groups on a frozen base.
    private TrainerOptions Options(string? checkpoints = null, int keep = 2) => new()
    {
        BatchSize = 8, GradientAccumulationSteps = 2, MaxSteps = 24, WarmupSteps = 3, MaxGradientNorm = 0.5,
        LearningRate = 5e-3, WeightDecay = 0.01, EvaluateEvery = 4, EarlyStoppingPatience = 50, Seed = 11,
        CheckpointDirectory = checkpoints, KeepCheckpoints = keep,
    };

    private static Trainer NewTrainer(TrainerOptions options, bool loraPlus = true, int rank = 2)
    {
        var model = Mlp();
        AdapterOptions adapter = loraPlus
            ? new LoRAPlusOptions { Rank = rank, Alpha = 4, Ratio = 16, Seed = 7 }
            : new LoRAOptions { Rank = rank, Alpha = 4, Seed = 7 };
        model.Apply(new AdapterConfig { Options = adapter, TargetModules = ["0", "2"] });
        return Trainer.ForLayer(model, Blobs(37, 1), options, Blobs(12, 2));
    }

    [Fact]
    public void Resuming_gives_the_same_numbers_as_an_uninterrupted_run_bit_for_bit()
    {
        var uninterrupted = NewTrainer(Options());
        var losses = new List<double>();
        uninterrupted.Callbacks.Add(new LossRecorder(losses));
        uninterrupted.Fit();

        string checkpoints = Path.Combine(_directory, "run");
        var first = NewTrainer(Options(checkpoints) with { CheckpointEvery = 5 });
        first.Callbacks.Add(new StopAfter(first, 11));   // stops after step 11; the last checkpoint is step 10
        first.Fit();
        Assert.Equal(TrainerCheckpoint.PathFor(checkpoints, 11), TrainerCheckpoint.FindLatest(checkpoints));

        // A fresh process would rebuild the model (same base) and resume from the newest checkpoint.
        var resumed = NewTrainer(Options(checkpoints) with { CheckpointEvery = 5 });
        var resumedLosses = new List<double>();
        resumed.Callbacks.Add(new LossRecorder(resumedLosses));
        var result = resumed.Fit(resume: true);

        Assert.Equal(24, result.Steps);
        Assert.Equal(losses.Skip(11), resumedLosses);   // bit-identical losses of steps 12..24
        var expected = Snapshot(uninterrupted.Model);
        var actual = Snapshot(resumed.Model);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"parameter element {i}: {expected[i]:R} vs {actual[i]:R}");
        }

        for (int g = 0; g < uninterrupted.Optimizer.Groups.Count; g++)
        {
            Assert.Equal(uninterrupted.Optimizer.Groups[g].LearningRate, resumed.Optimizer.Groups[g].LearningRate);
        }

        Assert.Equal(uninterrupted.Optimizer.StepCount, resumed.Optimizer.StepCount);
    }

    /// <summary>
    /// AdaLoRA's allocator state (importance EMAs, rank patterns, budget) travels in the checkpoint: a run stopped inside
    /// the budgeting phase (step 11: EMAs and masks live) or after the final allocation (step 21: the final pattern) and
    /// resumed writes, at a later step, the same checkpoint as a run never stopped — every tensor byte for byte, the
    /// parameters, the moments and the allocator's own.
    /// </summary>
    [Theory]
    [InlineData(11, 15)]
    [InlineData(21, 23)]
    public void AdaLoRA_resumes_with_its_importance_and_rank_patterns(int stopAfter, int compareAt)
    {
        string straight = Path.Combine(_directory, "adalora-straight"), interrupted = Path.Combine(_directory, "adalora-interrupted");
        var uninterrupted = NewAdaLoRATrainer(straight);
        uninterrupted.Callbacks.Add(new StopAfter(uninterrupted, compareAt));
        uninterrupted.Fit();

        var first = NewAdaLoRATrainer(interrupted);
        first.Callbacks.Add(new StopAfter(first, stopAfter));
        first.Fit();
        var resumed = NewAdaLoRATrainer(interrupted);
        resumed.Callbacks.Add(new StopAfter(resumed, compareAt));
        resumed.Fit(resume: true);

        using var expected = Peft.IO.SafetensorsFile.Open(Path.Combine(TrainerCheckpoint.PathFor(straight, compareAt), TrainerCheckpoint.TensorsFileName));
        using var actual = Peft.IO.SafetensorsFile.Open(Path.Combine(TrainerCheckpoint.PathFor(interrupted, compareAt), TrainerCheckpoint.TensorsFileName));
        Assert.Equal(expected.Tensors.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        Assert.Contains(expected.Tensors, t => t.Name.StartsWith("hooks/adalora/default/0/", StringComparison.Ordinal));
        foreach (var tensor in expected.Tensors)
        {
            Assert.True(expected.GetBytes(tensor).SequenceEqual(actual.GetBytes(tensor.Name)), $"tensor '{tensor.Name}' differs after resuming at step {stopAfter}");
        }

        Assert.Equal(((AdaLoRARankAllocator)uninterrupted.StepHooks.Single()).Budget, ((AdaLoRARankAllocator)resumed.StepHooks.Single()).Budget);
    }

    [Fact]
    public void AdaLoRA_checkpoint_without_its_allocator_state_is_refused_naming_the_tensor()
    {
        string checkpoints = Path.Combine(_directory, "adalora-cut");
        var first = NewAdaLoRATrainer(checkpoints);
        first.Callbacks.Add(new StopAfter(first, 5));
        first.Fit();
        string file = Path.Combine(TrainerCheckpoint.PathFor(checkpoints, 5), TrainerCheckpoint.TensorsFileName);
        List<Peft.IO.SafetensorsTensor> kept;
        using (var saved = Peft.IO.SafetensorsFile.Open(file))
        {
            kept = saved.Tensors.Where(t => t.Name != "hooks/adalora/default/budget")
                .Select(t => Peft.IO.SafetensorsTensor.FromBytes(t.Name, t.DType, t.Shape, saved.GetBytes(t).ToArray())).ToList();
        }

        using (var stream = File.Create(file))
        {
            Peft.IO.SafetensorsWriter.Write(stream, kept);
        }

        var error = Assert.Throws<InvalidDataException>(() => NewAdaLoRATrainer(checkpoints).LoadCheckpoint(TrainerCheckpoint.PathFor(checkpoints, 5)));
        Assert.Contains("hooks/adalora/default/budget", error.Message);
        Assert.Contains(file, error.Message);
    }

    private Trainer NewAdaLoRATrainer(string checkpoints)
    {
        var model = Mlp();
        model.Apply(new AdapterConfig
        {
            Options = new AdaLoRAOptions { Rank = 3, TargetRank = 1, Alpha = 6, Tinit = 2, Tfinal = 4, DeltaT = 2, TotalSteps = 24, Seed = 7 },
            TargetModules = ["0", "2"],
        });
        return Trainer.ForLayer(model, Blobs(37, 1), Options(checkpoints) with { CheckpointEvery = 100 }, Blobs(12, 2));
    }

    [Fact]
    public void Only_the_newest_checkpoints_are_kept_and_latest_points_at_the_last()
    {
        string checkpoints = Path.Combine(_directory, "keep");
        var trainer = NewTrainer(Options(checkpoints, keep: 2) with { CheckpointEvery = 4 });
        trainer.Fit();
        var names = Directory.GetDirectories(checkpoints).Select(path => Path.GetFileName(path)!).Order().ToArray();
        Assert.Equal(new[] { "checkpoint-00000020", "checkpoint-00000024" }, names);
        Assert.Equal("checkpoint-00000024", File.ReadAllText(Path.Combine(checkpoints, "latest")).Trim());
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_checkpoint_whole()
    {
        string checkpoints = Path.Combine(_directory, "fail");
        var trainer = NewTrainer(Options(checkpoints));
        trainer.TrainStep();
        string good = trainer.SaveCheckpoint();
        byte[] before = File.ReadAllBytes(Path.Combine(good, TrainerCheckpoint.TensorsFileName));

        Assert.Throws<IOException>(() => TrainerCheckpoint.Write(checkpoints, 2, 2, folder =>
        {
            File.WriteAllText(Path.Combine(folder, TrainerCheckpoint.StateFileName), "{");
            throw new IOException("disk full");
        }));
        // The same step again, failing: the existing folder of that step is untouched too.
        Assert.Throws<IOException>(() => TrainerCheckpoint.Write(checkpoints, 1, 2, _ => throw new IOException("disk full")));

        Assert.Equal(good, TrainerCheckpoint.FindLatest(checkpoints));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(good, TrainerCheckpoint.TensorsFileName)));
        Assert.Single(Directory.GetFileSystemEntries(checkpoints, "checkpoint-*"));
        Assert.Empty(Directory.GetFileSystemEntries(checkpoints, ".*"));
        NewTrainer(Options(checkpoints)).LoadCheckpoint(good);
    }

    [Fact]
    public void Corrupt_json_names_the_file()
    {
        string checkpoint = SavedCheckpoint();
        string state = Path.Combine(checkpoint, TrainerCheckpoint.StateFileName);
        File.WriteAllText(state, File.ReadAllText(state)[..40]);
        var error = Assert.Throws<InvalidDataException>(() => NewTrainer(Options()).LoadCheckpoint(checkpoint));
        Assert.Contains(state, error.Message);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void Truncated_tensors_name_the_file()
    {
        string checkpoint = SavedCheckpoint();
        string tensors = Path.Combine(checkpoint, TrainerCheckpoint.TensorsFileName);
        var bytes = File.ReadAllBytes(tensors);
        File.WriteAllBytes(tensors, bytes[..(bytes.Length / 2)]);
        var error = Assert.ThrowsAny<Exception>(() => NewTrainer(Options()).LoadCheckpoint(checkpoint));
        Assert.True(error is InvalidDataException, error.ToString());
        Assert.Contains(tensors, error.Message);
    }

    [Fact]
    public void Missing_field_is_named()
    {
        string checkpoint = SavedCheckpoint();
        string state = Path.Combine(checkpoint, TrainerCheckpoint.StateFileName);
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"random_state\"", "\"renamed\""));
        var error = Assert.Throws<InvalidDataException>(() => NewTrainer(Options()).LoadCheckpoint(checkpoint));
        Assert.Contains("field 'sampler.random_state' is missing", error.Message);
    }

    [Fact]
    public void Another_adapter_rank_is_a_mismatch_naming_the_field_and_shapes()
    {
        string checkpoint = SavedCheckpoint();
        var other = NewTrainer(Options(), rank: 3);
        var error = Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(checkpoint));
        Assert.Contains("optimizer.groups[0].parameters[0].shape", error.Message);
        Assert.Contains("[2, 4]", error.Message);
        Assert.Contains("[3, 4]", error.Message);
        Assert.Equal(0, other.Step);   // nothing changed
    }

    [Fact]
    public void Another_method_or_batch_size_is_a_mismatch()
    {
        string checkpoint = SavedCheckpoint();
        var lora = Assert.Throws<InvalidDataException>(() => NewTrainer(Options(), loraPlus: false).LoadCheckpoint(checkpoint));
        Assert.Contains("optimizer.groups", lora.Message);
        var batch = Assert.Throws<InvalidDataException>(() => NewTrainer(Options() with { BatchSize = 4 }).LoadCheckpoint(checkpoint));
        Assert.Contains("field 'batch_size' is 8", batch.Message);
    }

    [Fact]
    public void Loading_into_a_trainer_that_has_stepped_is_refused()
    {
        string checkpoint = SavedCheckpoint();
        var trainer = NewTrainer(Options());
        trainer.TrainStep();
        Assert.Throws<InvalidOperationException>(() => trainer.LoadCheckpoint(checkpoint));
    }

    [Fact]
    public void Resume_without_a_checkpoint_starts_fresh()
    {
        string checkpoints = Path.Combine(_directory, "fresh");
        var result = NewTrainer(Options(checkpoints)).Fit(resume: true);
        Assert.Equal(24, result.Steps);
        Assert.Equal(TrainerCheckpoint.PathFor(checkpoints, 24), TrainerCheckpoint.FindLatest(checkpoints));
        Assert.Contains("\"step\": 24", File.ReadAllText(Path.Combine(TrainerCheckpoint.FindLatest(checkpoints)!, TrainerCheckpoint.StateFileName)), StringComparison.Ordinal);
    }

    private string SavedCheckpoint()
    {
        var trainer = NewTrainer(Options(Path.Combine(_directory, "saved-" + Guid.NewGuid().ToString("N"))));
        for (int i = 0; i < 3; i++)
        {
            trainer.TrainStep();
        }

        return trainer.SaveCheckpoint();
    }

    private sealed class LossRecorder(List<double> losses) : ITrainerCallback
    {
        public void OnStep(in StepMetrics metrics) => losses.Add(metrics.Loss);
    }

    private sealed class StopAfter(Trainer trainer, int step) : ITrainerCallback
    {
        public void OnStep(in StepMetrics metrics)
        {
            if (metrics.Step == step)
            {
                trainer.RequestStop();
            }
        }
    }
}
