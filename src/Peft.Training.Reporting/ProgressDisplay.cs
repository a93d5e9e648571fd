using System.Globalization;
using Spectre.Console;

namespace Peft.Training.Reporting;

/// <summary>
/// Shows a <see cref="Trainer"/>'s progress: on an interactive terminal a Spectre.Console bar with the loss,
/// learning rate, throughput and time left; when output is redirected (CI logs, files) one plain line every
/// <see cref="PlainLineEvery"/> steps and one per evaluation.
/// </summary>
public static class ProgressDisplay
{
    /// <summary>Steps between plain lines when output is redirected.</summary>
    public static int PlainLineEvery { get; set; } = 50;

    /// <summary>Runs <see cref="Trainer.Fit"/> with progress shown and returns its result.</summary>
    /// <param name="trainer">The trainer.</param>
    /// <param name="title">The bar's label.</param>
    /// <param name="resume">Passed to <see cref="Trainer.Fit"/>.</param>
    /// <param name="console">The console to draw on; default <see cref="AnsiConsole.Console"/>.</param>
    public static TrainingResult FitWithProgress(this Trainer trainer, string title = "training", bool resume = false, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        console ??= AnsiConsole.Console;
        bool interactive = console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
        if (!interactive)
        {
            var lines = new PlainLines(console, title);
            trainer.Callbacks.Add(lines);
            try
            {
                return trainer.Fit(resume);
            }
            finally
            {
                trainer.Callbacks.Remove(lines);
            }
        }

        TrainingResult? result = null;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: trainer.TotalSteps);
                var bar = new Bar(task, title);
                trainer.Callbacks.Add(bar);
                try
                {
                    result = trainer.Fit(resume);
                }
                finally
                {
                    trainer.Callbacks.Remove(bar);
                }

                task.Value = trainer.Step;
                task.StopTask();
            });
        return result!;
    }

    /// <summary>The one-line summary of a step: <c>step 120/400 loss 0.4312 acc 0.875 lr 1.2e-03 3,200 ex/s ETA 00:12</c>.</summary>
    public static string Describe(in StepMetrics metrics) => string.Create(CultureInfo.InvariantCulture,
        $"step {metrics.Step}/{metrics.TotalSteps} loss {metrics.Loss:F4}{(double.IsNaN(metrics.Accuracy) ? "" : $" acc {metrics.Accuracy:F3}")} " +
        $"lr {metrics.LearningRate:0.0e+00} {metrics.ExamplesPerSecond:N0} ex/s ETA {metrics.Remaining:hh\\:mm\\:ss}");

    /// <summary>The one-line summary of an evaluation.</summary>
    public static string Describe(in EvaluationMetrics metrics) => string.Create(CultureInfo.InvariantCulture,
        $"eval @ {metrics.Step}: loss {metrics.Loss:F4}{(double.IsNaN(metrics.Accuracy) ? "" : $" acc {metrics.Accuracy:F3}")}{(metrics.Improved ? " (best)" : "")}");

    private sealed class Bar(ProgressTask task, string title) : ITrainerCallback
    {
        private long _lastUpdate;

        public void OnTrainBegin(Trainer trainer) => task.Value = trainer.Step;

        public void OnStep(in StepMetrics metrics)
        {
            task.Value = metrics.Step;
            long now = Environment.TickCount64;
            if (now - _lastUpdate >= 100 || metrics.Step == metrics.TotalSteps)
            {
                // Text only ten times a second: formatting allocates.
                _lastUpdate = now;
                task.Description = Markup.Escape($"{title}  {Describe(metrics)}");
            }
        }
    }

    // Raw lines on the console's writer: Spectre would wrap them at its assumed width when output is redirected.
    private sealed class PlainLines(IAnsiConsole console, string title) : ITrainerCallback
    {
        public void OnStep(in StepMetrics metrics)
        {
            if (metrics.Step % PlainLineEvery == 0 || metrics.Step == metrics.TotalSteps || metrics.Step == 1)
            {
                console.Profile.Out.Writer.WriteLine($"{title}: {Describe(metrics)}");
            }
        }

        public void OnEvaluation(in EvaluationMetrics metrics) => console.Profile.Out.Writer.WriteLine($"{title}: {Describe(metrics)}");
    }
}
