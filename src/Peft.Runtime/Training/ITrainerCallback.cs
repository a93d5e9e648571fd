namespace Peft.Training;

/// <summary>
/// Hooks into a <see cref="Trainer"/> run (progress display, logging, custom stopping with
/// <see cref="Trainer.RequestStop"/>). Every method has an empty default; implement what you need.
/// <see cref="OnStep"/> runs on every step: keep it allocation-free to keep training allocation-free.
/// </summary>
public interface ITrainerCallback
{
    /// <summary>Before the first step of <see cref="Trainer.Fit"/> (after a resume, from the restored step).</summary>
    void OnTrainBegin(Trainer trainer)
    {
    }

    /// <summary>After each optimizer step.</summary>
    void OnStep(in StepMetrics metrics)
    {
    }

    /// <summary>After each evaluation.</summary>
    void OnEvaluation(in EvaluationMetrics metrics)
    {
    }

    /// <summary>After a checkpoint has been written to <paramref name="directory"/>.</summary>
    void OnCheckpoint(string directory)
    {
    }

    /// <summary>When <see cref="Trainer.Fit"/> ends.</summary>
    void OnTrainEnd(TrainingResult result)
    {
    }
}
