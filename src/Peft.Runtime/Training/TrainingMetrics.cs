namespace Peft.Training;

/// <summary>What one optimizer step measured.</summary>
/// <param name="Step">The step just taken, from 1.</param>
/// <param name="TotalSteps">The steps the run takes in all.</param>
/// <param name="Epoch">The epoch the step's last micro-batch came from, from 0.</param>
/// <param name="Loss">The mean training loss over the step's micro-batches.</param>
/// <param name="Accuracy">The training accuracy over them, or NaN when the objective has none.</param>
/// <param name="LearningRate">The base learning rate the step used (LoRA+: A's rate).</param>
/// <param name="GradientNorm">The global gradient norm before clipping, or NaN when clipping is off.</param>
/// <param name="Examples">Examples seen by this run so far.</param>
/// <param name="Elapsed">Time since this run began (resumed runs count from the resume).</param>
/// <param name="StepsThisRun">Steps taken since this run began.</param>
public readonly record struct StepMetrics(
    int Step, int TotalSteps, int Epoch, double Loss, double Accuracy, double LearningRate, double GradientNorm,
    long Examples, TimeSpan Elapsed, int StepsThisRun)
{
    /// <summary>Training throughput of this run.</summary>
    public double ExamplesPerSecond => Elapsed.TotalSeconds > 0 ? Examples / Elapsed.TotalSeconds : 0;

    /// <summary>The expected time to the last step at this run's pace.</summary>
    public TimeSpan Remaining => StepsThisRun > 0
        ? TimeSpan.FromSeconds(Elapsed.TotalSeconds / StepsThisRun * (TotalSteps - Step))
        : TimeSpan.Zero;
}

/// <summary>What an evaluation measured.</summary>
/// <param name="Step">The optimizer step it followed.</param>
/// <param name="Loss">The mean loss over the evaluation data.</param>
/// <param name="Accuracy">The accuracy, or NaN when the objective has none.</param>
/// <param name="Examples">The examples evaluated.</param>
/// <param name="Improved">Whether the loss improved on the best so far by more than the early-stopping margin.</param>
public readonly record struct EvaluationMetrics(int Step, double Loss, double Accuracy, int Examples, bool Improved);

/// <summary>How a <see cref="Trainer.Fit"/> ended.</summary>
/// <param name="Steps">The global step reached.</param>
/// <param name="FinalLoss">The training loss of the last step (NaN when no step ran).</param>
/// <param name="LastEvaluation">The last evaluation, if any.</param>
/// <param name="BestEvaluation">The evaluation with the lowest loss, if any.</param>
/// <param name="StoppedEarly">Whether early stopping or <see cref="Trainer.RequestStop"/> ended the run before its last step.</param>
/// <param name="Elapsed">The run's wall time.</param>
public sealed record TrainingResult(
    int Steps, double FinalLoss, EvaluationMetrics? LastEvaluation, EvaluationMetrics? BestEvaluation, bool StoppedEarly, TimeSpan Elapsed);
