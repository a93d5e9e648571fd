using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Peft.IO;

namespace Peft.Training;

// Checkpoint and resume: everything a later run needs to continue with the same numbers.
public sealed partial class Trainer
{
    /// <summary>
    /// Writes a checkpoint of this step into <see cref="TrainerOptions.CheckpointDirectory"/> (atomically; the
    /// previous checkpoint stays whole until this one is complete) and returns its folder. It holds the
    /// trainable parameters (the adapters, when the base is frozen), AdamW's moments and step counts, the
    /// schedule's step, the shuffling state and the early-stopping state. The frozen base is not saved:
    /// resume on the same base model.
    /// </summary>
    /// <exception cref="InvalidOperationException">No checkpoint folder is set.</exception>
    public string SaveCheckpoint()
    {
        string directory = Options.CheckpointDirectory
            ?? throw new InvalidOperationException("Trainer.SaveCheckpoint needs TrainerOptions.CheckpointDirectory.");
        string path = TrainerCheckpoint.Write(directory, Step, Options.KeepCheckpoints, folder =>
        {
            var tensors = CheckpointTensors();
            AtomicFile.Write(Path.Combine(folder, TrainerCheckpoint.TensorsFileName), stream => SafetensorsWriter.Write(stream, tensors));
            AtomicFile.Write(Path.Combine(folder, TrainerCheckpoint.StateFileName), WriteState);
        });
        foreach (var callback in _callbacks)
        {
            callback.OnCheckpoint(path);
        }

        return path;
    }

    /// <summary>
    /// Restores a checkpoint folder written by <see cref="SaveCheckpoint"/> into this trainer, which must not
    /// have stepped yet and must be built like the one that saved it (same trainable parameters, groups, data
    /// size, batch size, accumulation and length). Everything is checked before anything is changed.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt or does not match; the message names the file and field.</exception>
    /// <exception cref="InvalidOperationException">This trainer has already taken steps.</exception>
    public void LoadCheckpoint(string checkpointDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointDirectory);
        if (Step != 0 || Scheduler.CurrentStep != 0 || Optimizer.StepCount != 0)
        {
            throw new InvalidOperationException($"Trainer.LoadCheckpoint: this trainer has taken {Step} steps; load checkpoints into a fresh trainer.");
        }

        string statePath = Path.Combine(checkpointDirectory, TrainerCheckpoint.StateFileName);
        string tensorsPath = Path.Combine(checkpointDirectory, TrainerCheckpoint.TensorsFileName);
        foreach (string file in (ReadOnlySpan<string>)[statePath, tensorsPath])
        {
            if (!File.Exists(file))
            {
                throw new InvalidDataException($"{file}: the checkpoint file is missing.");
            }
        }

        using var document = ParseState(statePath);
        var state = new CheckpointReader(document.RootElement, statePath);
        SafetensorsFile tensors;
        try
        {
            tensors = SafetensorsFile.Open(tensorsPath);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{tensorsPath}: not a readable safetensors file: {e.Message}", e);
        }

        using (tensors)
        {
            var plan = CheckState(state, tensors, tensorsPath);
            Apply(plan, tensors, tensorsPath);
        }
    }

    private List<SafetensorsTensor> CheckpointTensors()
    {
        var tensors = new List<SafetensorsTensor>();
        for (int g = 0; g < Optimizer.Groups.Count; g++)
        {
            var parameters = Optimizer.Groups[g].Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                string path = PathOf(parameters[i]);
                tensors.Add(ParameterTensor("parameters/" + path, parameters[i]));
                switch (Optimizer.StateSlot(g, i))
                {
                    case AdamW.Moments<float> moments:
                        tensors.Add(SafetensorsTensor.FromValues<float>("optimizer/exp_avg/" + path, parameters[i].Shape, moments.ExpAvg));
                        tensors.Add(SafetensorsTensor.FromValues<float>("optimizer/exp_avg_sq/" + path, parameters[i].Shape, moments.ExpAvgSq));
                        break;
                    case AdamW.Moments<double> moments:
                        tensors.Add(SafetensorsTensor.FromValues<double>("optimizer/exp_avg/" + path, parameters[i].Shape, moments.ExpAvg, SafetensorsDType.F64));
                        tensors.Add(SafetensorsTensor.FromValues<double>("optimizer/exp_avg_sq/" + path, parameters[i].Shape, moments.ExpAvgSq, SafetensorsDType.F64));
                        break;
                }
            }
        }

        foreach (var hook in CheckpointedHooks())
        {
            hook.WriteCheckpoint(tensors, HookPrefix(hook));
        }

        var order = _sampler.Order.ToArray();
        tensors.Add(SafetensorsTensor.FromBytes("sampler/order", SafetensorsDType.I32, [order.Length], MemoryMarshal.AsBytes(order.AsSpan()).ToArray()));
        return tensors;
    }

    private static SafetensorsTensor ParameterTensor(string name, Parameter parameter) => parameter switch
    {
        Parameter<float> single => SafetensorsTensor.FromValues<float>(name, single.Shape, single.Value),
        Parameter<double> wide => SafetensorsTensor.FromValues<double>(name, wide.Shape, wide.Value, SafetensorsDType.F64),
        _ => throw new NotSupportedException($"Trainer checkpoint: parameter '{name}' has element type {parameter.ElementType.Name}."),
    };

    private void WriteState(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", TrainerCheckpoint.Format);
        json.WriteNumber("version", TrainerCheckpoint.Version);
        json.WriteNumber("step", Step);
        json.WriteNumber("total_steps", TotalSteps);
        json.WriteNumber("examples", _train.Count);
        json.WriteNumber("batch_size", Options.BatchSize);
        json.WriteNumber("gradient_accumulation_steps", Options.GradientAccumulationSteps);
        json.WriteStartObject("sampler");
        json.WriteNumber("epoch", _sampler.Epoch);
        json.WriteNumber("position", _sampler.Position);
        json.WriteString("random_state", _sampler.RandomState.ToString(CultureInfo.InvariantCulture));
        json.WriteEndObject();
        json.WriteStartObject("scheduler");
        json.WriteNumber("step", Scheduler.CurrentStep);
        json.WriteNumber("factor", Scheduler.CurrentFactor);
        json.WriteStartArray("restarted_after");
        foreach (int restart in _scheduleRestarts)
        {
            json.WriteNumberValue(restart);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("optimizer");
        json.WriteString("type", nameof(AdamW));
        json.WriteNumber("step_count", Optimizer.StepCount);
        json.WriteStartArray("groups");
        for (int g = 0; g < Optimizer.Groups.Count; g++)
        {
            var group = Optimizer.Groups[g];
            json.WriteStartObject();
            json.WriteString("name", group.Name);
            json.WriteNumber("base_learning_rate", group.BaseLearningRate);
            json.WriteNumber("weight_decay", group.WeightDecay);
            json.WriteStartArray("parameters");
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                var parameter = group.Parameters[i];
                json.WriteStartObject();
                json.WriteString("path", PathOf(parameter));
                json.WriteString("dtype", parameter is Parameter<double> ? "F64" : "F32");
                json.WriteStartArray("shape");
                foreach (int dimension in parameter.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteNumber("adam_step", Optimizer.StateSlot(g, i) switch
                {
                    AdamW.Moments<float> m => m.Step,
                    AdamW.Moments<double> m => m.Step,
                    _ => 0,
                });
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("early_stopping");
        if (_bestEvaluation is { } best)
        {
            json.WriteNumber("best_step", best.Step);
            json.WriteNumber("best_loss", best.Loss);
            if (double.IsFinite(best.Accuracy))
            {
                json.WriteNumber("best_accuracy", best.Accuracy);
            }

            json.WriteNumber("best_examples", best.Examples);
        }

        json.WriteNumber("evaluations_without_improvement", _evaluationsWithoutImprovement);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private string PathOf(Parameter parameter)
    {
        foreach (var (path, candidate) in _trainable)
        {
            if (ReferenceEquals(candidate, parameter))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"Trainer: parameter '{parameter.Name}' in the optimizer is not a trainable parameter of the model.");
    }

    private static JsonDocument ParseState(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); the checkpoint is corrupt.", e);
        }
    }

    /// <summary>What a checked checkpoint restores.</summary>
    private sealed record RestorePlan(
        int Step, int SchedulerStep, long OptimizerSteps, int Epoch, int Position, ulong RandomState, long[][] AdamSteps,
        EvaluationMetrics? Best, int EvaluationsWithoutImprovement);

    // Every field and tensor is checked against this trainer before anything is changed.
    private RestorePlan CheckState(CheckpointReader state, SafetensorsFile tensors, string tensorsPath)
    {
        state.Expect("format", TrainerCheckpoint.Format);
        state.ExpectNumber("version", TrainerCheckpoint.Version);
        state.ExpectNumber("total_steps", TotalSteps, "the run's length (MaxSteps / Epochs)");
        state.ExpectNumber("examples", _train.Count, "the number of training examples");
        state.ExpectNumber("batch_size", Options.BatchSize, "BatchSize");
        state.ExpectNumber("gradient_accumulation_steps", Options.GradientAccumulationSteps, "GradientAccumulationSteps");
        int step = state.Int("step", 0, TotalSteps);
        var sampler = state.Child("sampler");
        var scheduler = state.Child("scheduler");
        int restarts = scheduler.Has("restarted_after") ? scheduler.Array("restarted_after").Count : 0;
        if (restarts > 0)
        {
            throw scheduler.Mismatch("restarted_after", $"a schedule restarted {restarts} time(s) (ReMoRA)",
                "an unrestarted schedule: a resume rebuilds neither restarted schedules nor the base weights that ReMoRA's restarts changed; start the run again");
        }

        var optimizer = state.Child("optimizer");
        optimizer.Expect("type", nameof(AdamW));
        var groups = optimizer.Array("groups");
        if (groups.Count != Optimizer.Groups.Count)
        {
            throw state.Mismatch("optimizer.groups", $"{groups.Count} groups", $"{Optimizer.Groups.Count} ({string.Join(", ", Optimizer.Groups.Select(g => g.Name))})");
        }

        var adamSteps = new long[groups.Count][];
        for (int g = 0; g < groups.Count; g++)
        {
            var group = Optimizer.Groups[g];
            var saved = groups[g];
            saved.Expect("name", group.Name);
            var parameters = saved.Array("parameters");
            if (parameters.Count != group.Parameters.Count)
            {
                throw saved.Mismatch("parameters", $"{parameters.Count} parameters", $"{group.Parameters.Count} in group '{group.Name}'");
            }

            adamSteps[g] = new long[parameters.Count];
            for (int i = 0; i < parameters.Count; i++)
            {
                var parameter = group.Parameters[i];
                string path = PathOf(parameter);
                parameters[i].Expect("path", path);
                parameters[i].ExpectShape("shape", parameter.Shape);
                parameters[i].Expect("dtype", parameter is Parameter<double> ? "F64" : "F32");
                adamSteps[g][i] = parameters[i].Long("adam_step", 0, long.MaxValue);
                CheckTensor(tensors, tensorsPath, "parameters/" + path, parameter);
                if (adamSteps[g][i] > 0)
                {
                    CheckTensor(tensors, tensorsPath, "optimizer/exp_avg/" + path, parameter);
                    CheckTensor(tensors, tensorsPath, "optimizer/exp_avg_sq/" + path, parameter);
                }
            }
        }

        if (!tensors.TryGetTensor("sampler/order", out var order) || order.DType != SafetensorsDType.I32 || order.ElementCount != _train.Count)
        {
            throw new InvalidDataException($"{tensorsPath}: tensor 'sampler/order' is missing or is not I32 [{_train.Count}].");
        }

        foreach (var hook in CheckpointedHooks())
        {
            hook.CheckCheckpoint(tensors, HookPrefix(hook), tensorsPath);
        }

        var early = state.Child("early_stopping");
        EvaluationMetrics? best = early.Has("best_step")
            ? new EvaluationMetrics(early.Int("best_step", 0, TotalSteps), early.Double("best_loss"),
                early.Has("best_accuracy") ? early.Double("best_accuracy") : double.NaN, early.Int("best_examples", 0, int.MaxValue), true)
            : null;
        return new RestorePlan(
            step, scheduler.Int("step", 0, int.MaxValue), optimizer.Long("step_count", 0, long.MaxValue),
            sampler.Int("epoch", 0, int.MaxValue), sampler.Int("position", 0, _train.Count), sampler.UInt64("random_state"),
            adamSteps, best, early.Int("evaluations_without_improvement", 0, int.MaxValue));
    }

    private static void CheckTensor(SafetensorsFile tensors, string file, string name, Parameter parameter)
    {
        if (!tensors.TryGetTensor(name, out var tensor))
        {
            throw new InvalidDataException($"{file}: tensor '{name}' is missing.");
        }

        var expected = parameter is Parameter<double> ? SafetensorsDType.F64 : SafetensorsDType.F32;
        if (tensor.DType != expected || !tensor.Shape.SequenceEqual(parameter.Shape.ToArray().Select(d => (long)d).ToArray()))
        {
            throw new InvalidDataException(
                $"{file}: tensor '{name}' is {tensor.DType} {SafetensorsTensorInfo.FormatShape(tensor.Shape)}, the model's parameter is {expected} {parameter.ShapeText}.");
        }
    }

    private void Apply(RestorePlan plan, SafetensorsFile tensors, string tensorsPath)
    {
        for (int g = 0; g < Optimizer.Groups.Count; g++)
        {
            var parameters = Optimizer.Groups[g].Parameters;
            for (int i = 0; i < parameters.Count; i++)
            {
                string path = PathOf(parameters[i]);
                long adamStep = plan.AdamSteps[g][i];
                ref object? slot = ref Optimizer.StateSlot(g, i);
                if (parameters[i] is Parameter<float> single)
                {
                    tensors.ReadValues<float>("parameters/" + path, single.Value);
                    slot = adamStep == 0 ? null : ReadMoments<float>(tensors, path, single.Length, adamStep);
                }
                else
                {
                    var wide = (Parameter<double>)parameters[i];
                    tensors.ReadValues<double>("parameters/" + path, wide.Value);
                    slot = adamStep == 0 ? null : ReadMoments<double>(tensors, path, wide.Length, adamStep);
                }
            }
        }

        Optimizer.RestoreStepCount(plan.OptimizerSteps);
        for (int s = 0; s < plan.SchedulerStep; s++)
        {
            Scheduler.Step(); // the schedule's closed form replayed: every group's rate as at the save
        }

        foreach (var hook in CheckpointedHooks())
        {
            hook.RestoreCheckpoint(tensors, HookPrefix(hook));
        }

        var order = MemoryMarshal.Cast<byte, int>(tensors.GetBytes("sampler/order"));
        _sampler.Restore(order, plan.Position, plan.Epoch, plan.RandomState, tensorsPath);
        Step = plan.Step;
        _bestEvaluation = plan.Best;
        _bestEvaluationLoss = plan.Best?.Loss ?? double.PositiveInfinity;
        _evaluationsWithoutImprovement = plan.EvaluationsWithoutImprovement;
    }

    /// <summary>The step hooks with state (<see cref="ICheckpointedHook"/>), each key once.</summary>
    private IEnumerable<ICheckpointedHook> CheckpointedHooks()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hook in _stepHooks.OfType<ICheckpointedHook>())
        {
            if (!keys.Add(hook.CheckpointKey))
            {
                throw new InvalidOperationException($"Trainer checkpoint: two step hooks share the checkpoint key '{hook.CheckpointKey}'.");
            }

            yield return hook;
        }
    }

    private static string HookPrefix(ICheckpointedHook hook) => $"hooks/{hook.CheckpointKey}/";

    private static AdamW.Moments<T> ReadMoments<T>(SafetensorsFile tensors, string path, int length, long step)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var moments = new AdamW.Moments<T>(length) { Step = step };
        tensors.ReadValues<T>("optimizer/exp_avg/" + path, moments.ExpAvg);
        tensors.ReadValues<T>("optimizer/exp_avg_sq/" + path, moments.ExpAvgSq);
        return moments;
    }
}
