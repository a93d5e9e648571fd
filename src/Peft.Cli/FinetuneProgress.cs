using Peft.Training;

namespace Peft.Cli;

/// <summary>
/// Plain progress lines of <c>peft finetune</c> (one per <c>logEvery</c> steps, plus the first and the last):
/// step, training loss, learning rate, tokens per second and time left; every evaluation's loss and perplexity;
/// each checkpoint; and at the end the losses before and after.
/// </summary>
internal sealed class FinetuneProgress(TextWriter output, int tokensPerExample, int logEvery) : ITrainerCallback
{
    private double _firstLoss = double.NaN;
    private double _initialEvaluationLoss = double.NaN;
    private double _lastEvaluationLoss = double.NaN;
    private int _every = logEvery;

    /// <summary>Reports the evaluation loss of the model before training.</summary>
    public void ReportInitialEvaluation(EvaluationMetrics metrics)
    {
        _initialEvaluationLoss = metrics.Loss;
        output.WriteLine(FormattableString.Invariant($"eval  step {metrics.Step,5}  loss {metrics.Loss:F4}  perplexity {Math.Exp(metrics.Loss):F2}  (before training)"));
    }

    public void OnTrainBegin(Trainer trainer)
    {
        if (_every == 0)
        {
            _every = Math.Max(1, trainer.TotalSteps / 20);
        }

        output.WriteLine(trainer.Step > 0
            ? FormattableString.Invariant($"resumed at step {trainer.Step} of {trainer.TotalSteps}")
            : FormattableString.Invariant($"training: {trainer.TotalSteps} steps{(trainer.UsesLoRAPlusGroups ? ", LoRA+ parameter groups" : "")}"));
    }

    public void OnStep(in StepMetrics metrics)
    {
        if (double.IsNaN(_firstLoss))
        {
            _firstLoss = metrics.Loss;
        }

        if (metrics.StepsThisRun == 1 || metrics.Step % _every == 0 || metrics.Step == metrics.TotalSteps)
        {
            output.WriteLine(FormattableString.Invariant(
                $"step {metrics.Step,5}/{metrics.TotalSteps}  loss {metrics.Loss:F4}  lr {metrics.LearningRate:0.00e+00}  {metrics.ExamplesPerSecond * tokensPerExample:F0} tokens/s  eta {metrics.Remaining:hh\\:mm\\:ss}"));
        }
    }

    public void OnEvaluation(in EvaluationMetrics metrics)
    {
        _lastEvaluationLoss = metrics.Loss;
        output.WriteLine(FormattableString.Invariant($"eval  step {metrics.Step,5}  loss {metrics.Loss:F4}  perplexity {Math.Exp(metrics.Loss):F2}"));
    }

    public void OnCheckpoint(string directory) => output.WriteLine($"checkpoint: {directory}");

    public void OnTrainEnd(TrainingResult result)
    {
        string evaluation = double.IsNaN(_lastEvaluationLoss) ? ""
            : double.IsNaN(_initialEvaluationLoss) ? FormattableString.Invariant($"; eval loss {_lastEvaluationLoss:F4}")
            : FormattableString.Invariant($"; eval loss {_initialEvaluationLoss:F4} -> {_lastEvaluationLoss:F4}");
        output.WriteLine(FormattableString.Invariant(
            $"done: step {result.Steps} in {result.Elapsed.TotalSeconds:F1} s; training loss {_firstLoss:F4} -> {result.FinalLoss:F4}{evaluation}"));
    }
}
